using Kist.Layers.Native;

namespace Kist.Build.Tests;

/// <summary>A temporary directory tree for a test, removed on dispose (without following symlinks).</summary>
public sealed class TempTree : IDisposable
{
    public TempTree(string prefix = "kist-build-test-") => Root = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Root { get; }

    public string this[string rel] => Path.Combine(Root, rel);

    public string File(string rel, string content, string? mode = null, DateTime? mtime = null)
    {
        var path = this[rel];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content);
        if (mode is not null) System.IO.File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));
        if (mtime is { } t) System.IO.File.SetLastWriteTimeUtc(path, t);
        return path;
    }

    public string Dir(string rel, string? mode = null)
    {
        var path = Directory.CreateDirectory(this[rel]).FullName;
        if (mode is not null) System.IO.File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));
        return path;
    }

    public void Symlink(string rel, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(this[rel])!);
        System.IO.File.CreateSymbolicLink(this[rel], target);
    }

    public string Read(string rel) => System.IO.File.ReadAllText(this[rel]);

    public FileStat Stat(string rel)
    {
        int fd = Dirs.OpenRoot(Root);
        try { return FileStat.Lstat(fd, rel); }
        finally { Libc.Close(fd); }
    }

    public bool Exists(string rel)
    {
        int fd = Dirs.OpenRoot(Root);
        try { return FileStat.TryLstat(fd, rel) is not null; }
        finally { Libc.Close(fd); }
    }

    public void Dispose()
    {
        if (Directory.Exists(Root)) Dirs.RemoveTree(Root);
    }
}
