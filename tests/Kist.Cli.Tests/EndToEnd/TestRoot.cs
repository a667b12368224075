using System.Security.Cryptography;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>A private temporary directory (a Kist root, or a scratch folder), removed afterwards.</summary>
public sealed class TestRoot : IDisposable
{
    public TestRoot(string prefix = "kist-test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Every file under the directory with the hash of its content: equal snapshots mean an unchanged store.</summary>
    public SortedDictionary<string, string> Snapshot()
    {
        var snapshot = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories))
        {
            using var stream = System.IO.File.OpenRead(file);
            snapshot[System.IO.Path.GetRelativePath(Path, file)] = Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        foreach (var dir in Directory.EnumerateDirectories(Path, "*", SearchOption.AllDirectories))
        {
            snapshot[System.IO.Path.GetRelativePath(Path, dir) + "/"] = "dir";
        }
        return snapshot;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
