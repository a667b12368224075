using System.Text;
using System.Text.Json;
using Kist.Layers.Apply;
using Kist.Layers.Tests.Support;
using Xunit.Abstractions;

namespace Kist.Layers.Tests.Apply;

/// <summary>
/// The generated tar edge cases of ../shared/peer-data/tar-layer-cases: each layer applied on base.tar must give
/// docker's verdict and docker's resulting files (results/docker.json, from docker export).
/// </summary>
public sealed class PeerTarCasesTests(ITestOutputHelper output)
{
    /// <summary>Cases where Kist deliberately differs from docker, with the reason (reported in the closing note).</summary>
    public static readonly IReadOnlyDictionary<string, string> DeliberateDifferences = new Dictionary<string, string>();

    private static string CasesDir => Repo.PeerData("tar-layer-cases");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(CasesDir, "results", "docker.json")));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateObject()) data.Add(c.Name);
        return data;
    }

    [Fact]
    public void PeerDataIsPresentAndComplete()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(CasesDir, "results", "docker.json")));
        Assert.True(doc.RootElement.GetProperty("cases").EnumerateObject().Count() >= 39);
        Assert.True(File.Exists(Path.Combine(CasesDir, "generated", "base.tar")));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public Task FlattenMatchesDocker(string name) => RunCase(name, overlay: false);

    internal static async Task<(bool Ok, string? Error, SortedDictionary<string, FileRecord> Changed, List<string> Removed)> ApplyCase(
        string name, string dir)
    {
        var rootfs = Path.Combine(dir, "rootfs");
        await using (var b = File.OpenRead(Path.Combine(CasesDir, "generated", "base.tar")))
            await LayerApplier.ApplyAsync(b, rootfs);
        var before = TreeScanner.Scan(rootfs);
        try
        {
            await using var l = File.OpenRead(Path.Combine(CasesDir, "generated", name + ".tar"));
            await LayerApplier.ApplyAsync(l, rootfs);
        }
        catch (LayerApplyException ex)
        {
            // A refused layer leaves the target exactly as it was.
            var unchanged = TreeScanner.Scan(rootfs);
            Assert.Equal(before, unchanged);
            return (false, ex.Message, [], []);
        }
        var (changed, removed) = TreeScanner.Diff(before, TreeScanner.Scan(rootfs));
        return (true, null, changed, removed);
    }

    private async Task RunCase(string name, bool overlay)
    {
        using var tmp = new TempDir("peer");
        var (ok, error, changed, removed) = await ApplyCase(name, tmp.Path);
        output.WriteLine(ok ? "ok" : "error: " + error);
        foreach (var (k, v) in changed) output.WriteLine($"+ {k} {v}");
        foreach (var k in removed) output.WriteLine($"- {k}");
        var failure = Compare(name, ok, changed, removed);
        if (DeliberateDifferences.ContainsKey(name)) Assert.NotNull(failure);
        else Assert.True(failure is null, failure);
    }

    /// <summary>Null when Kist's outcome equals docker's for this case, else a description of the difference.</summary>
    internal static string? Compare(string name, bool ok, SortedDictionary<string, FileRecord> changed, List<string> removed)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(CasesDir, "results", "docker.json")));
        var expected = doc.RootElement.GetProperty("cases").GetProperty(name);
        bool dockerOk = expected.GetProperty("load").GetString() == "ok";
        if (dockerOk != ok) return $"verdict: docker {(dockerOk ? "ok" : "error")}, kist {(ok ? "ok" : "error")}";
        if (!ok) return null;
        var sb = new StringBuilder();
        var exp = expected.GetProperty("added_or_changed");
        foreach (var p in exp.EnumerateObject())
        {
            if (!changed.TryGetValue(p.Name, out var mine)) { sb.AppendLine($"missing change {p.Name}"); continue; }
            foreach (var f in p.Value.EnumerateObject())
            {
                string? actual = f.Name switch
                {
                    "type" => mine.Type,
                    "mode" => mine.Mode,
                    "uid" => mine.Uid.ToString(),
                    "gid" => mine.Gid.ToString(),
                    "sha256" => mine.Sha256,
                    "size" => mine.Size?.ToString(),
                    "link" => mine.Link,
                    _ => null,
                };
                string want = f.Value.ValueKind == JsonValueKind.Number ? f.Value.GetRawText() : f.Value.GetString() ?? "";
                if (actual != want) sb.AppendLine($"{p.Name}: {f.Name} docker={want} kist={actual}");
            }
        }
        foreach (var k in changed.Keys)
            if (!exp.TryGetProperty(k, out _)) sb.AppendLine($"unexpected change {k} {changed[k]}");
        var expRemoved = expected.GetProperty("removed").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal).ToList();
        if (!expRemoved.SequenceEqual(removed)) sb.AppendLine($"removed: docker [{string.Join(",", expRemoved)}] kist [{string.Join(",", removed)}]");
        return sb.Length == 0 ? null : sb.ToString();
    }
}
