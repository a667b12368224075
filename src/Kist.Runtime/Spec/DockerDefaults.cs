namespace Kist.Runtime.Spec;

/// <summary>What docker (20.10+) puts in every container's spec unless told otherwise.</summary>
public static class DockerDefaults
{
    public const string Path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    public const long ShmSize = 64 * 1024 * 1024;
    public const string StopSignal = "SIGTERM";
    public const int StopTimeoutSeconds = 10;

    public static readonly IReadOnlyList<string> Capabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    public static readonly IReadOnlyList<string> MaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
    ];

    public static readonly IReadOnlyList<string> ReadonlyPaths =
        ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    /// <summary>/proc, /dev and friends, as docker mounts them (the /dev/shm size included).</summary>
    public static IReadOnlyList<SpecMount> Mounts(bool privileged, long shmSize = ShmSize) =>
    [
        new() { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec", "nodev"] },
        new() { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
        new() { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
        new() { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", privileged ? "rw" : "ro"] },
        new() { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", privileged ? "rw" : "ro"] },
        new() { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
        new() { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", $"size={shmSize}"] },
    ];

    /// <summary>The device cgroup: deny all, then the standard character devices and mknod, as docker allows them.</summary>
    public static IReadOnlyList<SpecDeviceRule> DeviceRules(bool privileged)
    {
        if (privileged) return [new() { Allow = true, Access = "rwm" }];
        static SpecDeviceRule C(long major, long? minor, string access = "rwm") => new() { Allow = true, Type = "c", Major = major, Minor = minor, Access = access };
        return
        [
            new() { Allow = false, Access = "rwm" },
            new() { Allow = true, Type = "c", Access = "m" },
            new() { Allow = true, Type = "b", Access = "m" },
            C(1, 3), C(1, 5), C(1, 7), C(1, 8), C(1, 9), C(5, 0), C(5, 1), C(5, 2), C(136, null), C(10, 200),
        ];
    }
}
