namespace Kist.Cli.Tests.EndToEnd.BuildParity;

/// <summary>
/// Issue #7's parity suite: every case under Cases/ built by BuildKit and by <c>kist build</c> gives the same final
/// root filesystem (paths, types, modes, owners, sizes, contents, link targets) and the same config fields.
/// </summary>
public sealed class BuildParityTests(ParityFixture fixture) : IClassFixture<ParityFixture>
{
    public static TheoryData<string> Cases() => new(ParityCase.All().Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Kist_builds_the_same_image_as_BuildKit(string name)
    {
        var result = await fixture.ResultAsync(name);
        AssertOnlyKnown(name, result.Differences, KnownGaps.Files);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Kist_records_the_history_BuildKit_records(string name)
    {
        var result = await fixture.ResultAsync(name);
        AssertOnlyKnown(name, result.HistoryDifferences, KnownGaps.History);
    }

    /// <summary>Fails on any difference that <see cref="KnownGaps"/> does not cover, listing all of them (known ones marked).</summary>
    private static void AssertOnlyKnown(string name, IReadOnlyList<string> differences, IReadOnlyList<KnownGap> gaps)
    {
        var unexpected = KnownGaps.Unexpected(name, differences, gaps);
        Assert.True(unexpected.Count == 0, $"{name}: {unexpected.Count} unexpected difference(s) of {differences.Count}\n"
            + string.Join("\n", differences.Select(d => (unexpected.Contains(d) ? "  " : "  (known) ") + d)));
    }

    [Fact]
    public void The_suite_has_at_least_30_cases() => Assert.True(ParityCase.All().Count >= 30, $"{ParityCase.All().Count} cases");
}
