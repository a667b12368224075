using System.Diagnostics;
using System.Globalization;
using System.Text;
using Kist.Layers.Native;

namespace Kist.Runtime.Execution;

/// <summary>
/// Makes the RCU grace period that a runtime's first move of a process between cgroups waits for pass while the
/// runtime starts, instead of in the middle of its start.
/// <para>
/// runc moves its init process (and an exec's process) into the container's cgroups by writing its pid to
/// cgroup.procs. The kernel makes every such move under cgroup_threadgroup_rwsem, whose writer waits for an RCU grace
/// period (one or two scheduler ticks: 4-8 ms at HZ=250) unless a writer held it within the last one. Traced on this
/// machine, that one write took a median 5.2 ms of a bare <c>runc run</c> and 8.8 ms of runc's start under kist.
/// Writing this process's own pid to the cgroup.procs of the cgroup it is already in moves nothing but takes the same
/// lock: done as soon as a runtime is to start, the grace period passes while the runtime's Go code starts up, and
/// the runtime's moves find the lock ready (500 paired runs of <c>kist run --rm IMAGE true</c>: −6.2 ms). Written again
/// every few milliseconds until the container's process exists, the lock stays ready however long runc takes to get
/// there (−1.1 ms more, and the slowest starts gone).
/// </para>
/// Only a speed-up: where the write is refused (no cgroup file system, no permission) nothing happens.
/// </summary>
public sealed class CgroupMoveWarmup
{
    /// <summary>
    /// How often <see cref="KeepWarm"/> writes: well within a grace period (at least a tick, 1-4 ms, and at least
    /// three at HZ=1000 when a CPU is busy), so that the lock stays ready between its writes.
    /// </summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(2);

    private static readonly Lazy<string?> Procs = new(() =>
    {
        try { return ProcsFile(File.ReadAllLines("/proc/self/cgroup"), File.Exists); }
        catch (IOException) { return null; }
    });

    private static readonly byte[] OwnPid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

    private long _lastWrite;

    /// <summary>
    /// Writes unless it wrote less than <see cref="Interval"/> ago. The first write blocks for the grace period, if one
    /// is needed: the first call belongs on a thread with nothing else to do yet.
    /// </summary>
    public void KeepWarm()
    {
        if (_lastWrite != 0 && Stopwatch.GetElapsedTime(_lastWrite) < Interval) return;
        WriteOwnPid();
        _lastWrite = Stopwatch.GetTimestamp();
    }

    /// <summary>Writes once, on a thread of the pool: for a runtime that is started with nothing to keep it warm.</summary>
    public static void Start() => ThreadPool.UnsafeQueueUserWorkItem(static _ => WriteOwnPid(), null);

    /// <summary>
    /// The cgroup.procs of this process's cgroup, given /proc/self/cgroup's lines: in the unified hierarchy (at
    /// /sys/fs/cgroup, or /sys/fs/cgroup/unified beside v1 hierarchies), else in its first v1 hierarchy with
    /// controllers; null when none exists.
    /// </summary>
    internal static string? ProcsFile(IEnumerable<string> selfCgroup, Func<string, bool> exists)
    {
        var unified = new List<string>();
        var v1 = new List<string>();
        foreach (var line in selfCgroup)
        {
            // hierarchy-ID:controller-list:cgroup-path
            var fields = line.Split(':', 3);
            if (fields.Length != 3 || !fields[2].StartsWith('/')) continue;
            string path = fields[2].TrimEnd('/');
            if (fields[0] == "0" && fields[1].Length == 0)
            {
                unified.Add($"/sys/fs/cgroup/unified{path}/cgroup.procs"); // beside v1 hierarchies
                unified.Add($"/sys/fs/cgroup{path}/cgroup.procs");
            }
            else if (fields[1].Length > 0 && !fields[1].StartsWith("name=", StringComparison.Ordinal))
            {
                v1.Add($"/sys/fs/cgroup/{fields[1]}{path}/cgroup.procs");
            }
        }
        foreach (var candidate in unified.Concat(v1))
        {
            if (exists(candidate)) return candidate;
        }
        return null;
    }

    private static unsafe void WriteOwnPid()
    {
        if (Procs.Value is not { } procs) return;
        int fd = Libc.OpenAt(Libc.AT_FDCWD, procs, Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0) return;
        fixed (byte* bytes = OwnPid) Libc.Write(fd, bytes, OwnPid.Length);
        Libc.Close(fd);
    }
}
