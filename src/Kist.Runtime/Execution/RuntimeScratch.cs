using System.Text;
using Kist.Oci;
using Kist.Runtime.Native;

namespace Kist.Runtime.Execution;

/// <summary>
/// A private directory (mode 0700) for the files that one call of the runtime exchanges with kist: the pid file, an
/// exec's process.json and log. They never outlive the call, so they go on a tmpfs when the machine has one at /run
/// or /dev/shm, else in <c>fallbackParent</c>: runc writes its pid file with O_SYNC, and that synchronous write took
/// 1-3 ms of every container start on this machine's disk (strace), nothing on a tmpfs. Disposing removes the
/// directory and what is in it; it may be disposed early, once its files are read, and again.
/// </summary>
public sealed class RuntimeScratch : IDisposable
{
    private static readonly string[] TmpfsCandidates = ["/run", "/dev/shm"];

    private RuntimeScratch(string directory) => Directory = directory;

    public string Directory { get; }

    public string File(string name) => Path.Combine(Directory, name);

    public static RuntimeScratch Create(string fallbackParent) => Create(fallbackParent, TmpfsCandidates);

    internal static RuntimeScratch Create(string fallbackParent, IEnumerable<string> tmpfsCandidates)
    {
        foreach (var candidate in tmpfsCandidates)
        {
            if (IsTmpfs(candidate) && TryMakeDirectory(candidate) is { } made) return new RuntimeScratch(made);
        }
        return new RuntimeScratch(TryMakeDirectory(fallbackParent)
            ?? throw new KistException($"cannot create a directory in {fallbackParent}: errno {Sys.Errno}"));
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    private static bool IsTmpfs(string path) => Sys.Statfs(path, out var fs) == 0 && fs.Type == Sys.TMPFS_MAGIC;

    /// <summary>mkdtemp: a fresh name that no other process can have prepared, where another user may write.</summary>
    private static string? TryMakeDirectory(string parent)
    {
        byte[] template = Encoding.UTF8.GetBytes(Path.Combine(parent, "kist-XXXXXX") + "\0");
        if (Sys.Mkdtemp(template) == 0) return null;
        return Encoding.UTF8.GetString(template, 0, template.Length - 1);
    }
}
