using Kist.Oci;

namespace Kist.Runtime.Spec;

/// <summary>Linux capability names and docker's <c>--cap-add</c>/<c>--cap-drop</c>/<c>--privileged</c> arithmetic.</summary>
public static class Capabilities
{
    /// <summary>Every capability by number (capability.h).</summary>
    public static readonly IReadOnlyList<string> All =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>The capabilities this process can hand on (its bounding set): a container never gets more.</summary>
    public static IReadOnlyList<string> Available(ulong boundingMask) =>
        All.Where((_, i) => (boundingMask & (1UL << i)) != 0).ToList();

    /// <summary>Reads CapBnd of this process (all known ones when /proc is unreadable).</summary>
    public static ulong CurrentBoundingMask()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("CapBnd:", StringComparison.Ordinal)) return Convert.ToUInt64(line[7..].Trim(), 16);
            }
        }
        catch (IOException) { }
        return (1UL << All.Count) - 1;
    }

    /// <summary>"net_admin", "NET_ADMIN" and "CAP_NET_ADMIN" are the same capability; "ALL" stays "ALL".</summary>
    public static string Normalize(string name)
    {
        string upper = name.Trim().ToUpperInvariant();
        if (upper == "ALL") return upper;
        if (!upper.StartsWith("CAP_", StringComparison.Ordinal)) upper = "CAP_" + upper;
        if (!All.Contains(upper)) throw new InvalidInputException($"invalid capability: {name}");
        return upper;
    }

    /// <summary>docker's TweakCapabilities: defaults plus adds minus drops; ALL on either side as docker reads it.</summary>
    public static IReadOnlyList<string> Resolve(IReadOnlyList<string> add, IReadOnlyList<string> drop, bool privileged, IReadOnlyList<string> available)
    {
        if (privileged) return available;
        var adds = add.Select(Normalize).ToList();
        var drops = drop.Select(Normalize).ToList();
        IEnumerable<string> caps;
        if (adds.Contains("ALL")) caps = available.Where(c => !drops.Contains(c));
        else if (drops.Contains("ALL")) caps = adds;
        else caps = DockerDefaults.Capabilities.Concat(adds).Where(c => !drops.Contains(c));
        return caps.Distinct().Where(available.Contains).ToList();
    }
}
