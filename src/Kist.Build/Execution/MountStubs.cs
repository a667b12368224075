namespace Kist.Build.Execution;

/// <summary>
/// The files and directories runc creates in the root filesystem to mount over (/etc/hosts, /dev, /proc, the
/// targets of RUN --mount…). BuildKit removes those it created, so they never land in a layer: the same here, by
/// removing them after the step when they are still empty stubs.
/// </summary>
public sealed class MountStubs
{
    private static readonly string[] Defaults = ["etc/hosts", "etc/resolv.conf", "dev", "proc", "sys"];
    private readonly List<string> _missing;

    private MountStubs(List<string> missing) => _missing = missing;

    /// <summary>Notes which mount points (and their parent directories) the root filesystem lacks before the step runs.</summary>
    public static MountStubs Before(string rootfs, IEnumerable<string> destinations)
    {
        var candidates = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var d in Defaults.Concat(destinations.Select(d => d.Trim('/'))))
        {
            var parts = d.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (int i = 1; i <= parts.Length; i++) candidates.Add(string.Join('/', parts[..i]));
        }
        // Deepest first, so that a parent is judged after its children.
        return new(candidates.Where(c => !Exists(Path.Combine(rootfs, c))).OrderByDescending(c => c.Count(ch => ch == '/')).ToList());
    }

    /// <summary>
    /// After the step: removes the stubs it did not fill (empty files, empty directories), deepest first, through the
    /// mounted root filesystem, so that neither the layer nor the committed snapshot keeps them.
    /// </summary>
    public void RemoveUnused(string rootfs)
    {
        foreach (var stub in _missing)
        {
            string path = Path.Combine(rootfs, stub);
            try
            {
                if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null)
                {
                    if (!Directory.EnumerateFileSystemEntries(path).Any()) Directory.Delete(path);
                }
                else if (IsEmptyFile(path)) File.Delete(path);
            }
            catch (IOException) { } // busy or filled meanwhile: it stays, as the step left it
        }
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
