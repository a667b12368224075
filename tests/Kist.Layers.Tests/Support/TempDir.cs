using Kist.Layers.Native;

namespace Kist.Layers.Tests.Support;

/// <summary>A private temporary directory, removed (without following symlinks) on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string? prefix = null)
    {
        Path = Directory.CreateTempSubdirectory("kist-" + (prefix ?? "test") + "-").FullName;
    }

    public string Path { get; }

    public string Sub(string name)
    {
        var p = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(p);
        return p;
    }

    public void Dispose()
    {
        try { Dirs.RemoveTree(Path); } catch (IOException) { }
    }
}

public static class Repo
{
    /// <summary>The repository root (the directory holding Kist.slnx).</summary>
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Kist.slnx"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Kist.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The shared peer data beside the repository; fails loudly when it is missing.</summary>
    public static string PeerData(string sub)
    {
        var p = System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, "..", "shared", "peer-data", sub));
        if (!Directory.Exists(p))
            throw new InvalidOperationException($"peer data missing: {p} (CI must place shared/ beside the repository)");
        return p;
    }
}
