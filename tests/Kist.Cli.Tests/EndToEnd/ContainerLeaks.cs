using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>What a Kist root may leave behind on the machine: mounts, runtime containers and monitor processes.</summary>
public static class ContainerLeaks
{
    public static List<string> Mounts(string root) =>
        File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(p => p.StartsWith(root + "/", StringComparison.Ordinal)).ToList();

    public static async Task<List<string>> RuntimeContainersAsync(string root)
    {
        string runcRoot = Path.Combine(root, "runtime", "runc");
        if (!Directory.Exists(runcRoot)) return [];
        var list = await RunAsync("runc", ["--root", runcRoot, "list", "-q"]);
        return list.Lines.ToList();
    }

    /// <summary>Processes whose command line names the root (monitors are started with <c>--root ROOT</c>).</summary>
    public static List<string> Processes(string root)
    {
        var result = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(root, StringComparison.Ordinal)) result.Add($"{pid}: {cmdline}");
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return result;
    }

    public static async Task AssertNoneAsync(string root)
    {
        // An --rm container leaves the store while its runtime still tears it down: the runtime's state and the
        // monitor go just after.
        for (int i = 0; i < 50 && (Processes(root).Count > 0 || (await RuntimeContainersAsync(root)).Count > 0); i++) await Task.Delay(100);
        Assert.Empty(Mounts(root));
        Assert.Empty(await RuntimeContainersAsync(root));
        Assert.Empty(Processes(root));
    }

    /// <summary>Removes every container of the root (and so its mounts and processes), for test clean-up.</summary>
    public static async Task CleanUpAsync(string root)
    {
        var ids = await KistAsync(root, "ps", "-aq", "--no-trunc");
        if (ids.Lines.Count > 0) await KistAsync(root, ["rm", "-f", .. ids.Lines]);
        foreach (var mount in Mounts(root).OrderByDescending(m => m.Length)) await RunAsync("umount", ["-l", mount]);
    }
}
