namespace Kist.Build.Execution;

/// <summary>
/// The files and directories runc creates in the root filesystem to mount over (/etc/hosts, /dev, /proc…). BuildKit
/// removes those it created, so they never land in a layer: the same here, by leaving them out of the step's layer.
/// </summary>
public sealed class MountStubs
{
    private static readonly string[] Candidates = ["etc", "etc/hosts", "etc/resolv.conf", "dev", "proc", "sys"];
    private readonly HashSet<string> _missing;

    private MountStubs(HashSet<string> missing) => _missing = missing;

    /// <summary>Notes which mount points the root filesystem lacks before the step runs.</summary>
    public static MountStubs Before(string rootfs) =>
        new(Candidates.Where(c => !Exists(Path.Combine(rootfs, c))).ToHashSet(StringComparer.Ordinal));

    /// <summary>After the step: the stubs it did not fill (empty files and directories created by the runtime).</summary>
    public Func<string, bool>? Exclusions(string rootfs)
    {
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stub in _missing)
        {
            string path = Path.Combine(rootfs, stub);
            if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null)
            {
                var entries = Directory.EnumerateFileSystemEntries(path).Select(e => stub + "/" + Path.GetFileName(e)).ToList();
                if (entries.All(e => _missing.Contains(e) && IsEmptyFile(Path.Combine(rootfs, e)))) excluded.Add(stub);
            }
            else if (IsEmptyFile(path)) excluded.Add(stub);
        }
        if (excluded.Count == 0) return null;
        return relative => excluded.Contains(relative);
    }

    private static bool IsEmptyFile(string path)
    {
        var info = new FileInfo(path);
        return info.Exists && info.LinkTarget is null && info.Length == 0;
    }

    private static bool Exists(string path)
    {
        var info = new FileInfo(path);
        return info.Exists || Directory.Exists(path) || info.LinkTarget is not null;
    }
}
