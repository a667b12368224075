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
        Assert.True(result.Differences.Count == 0, $"{name}: {result.Differences.Count} difference(s)\n" + string.Join("\n", result.Differences));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Kist_records_the_history_BuildKit_records(string name)
    {
        var result = await fixture.ResultAsync(name);
        Assert.True(result.HistoryDifferences.Count == 0, $"{name}: {result.HistoryDifferences.Count} difference(s)\n" + string.Join("\n", result.HistoryDifferences));
    }

    [Fact]
    public void The_suite_has_at_least_30_cases() => Assert.True(ParityCase.All().Count >= 30, $"{ParityCase.All().Count} cases");
}
