using Kist.Runtime.Execution;

namespace Kist.Runtime.Tests.Execution;

/// <summary>Which cgroup.procs the warm-up writes this process's pid to: always the one of the cgroup it is in.</summary>
public sealed class CgroupMoveWarmupTests
{
    [Fact]
    public void Beside_v1_hierarchies_the_unified_one_is_used()
    {
        string[] lines = ["12:pids:/a", "4:cpu,cpuacct:/a", "0::/a"];
        Assert.Equal("/sys/fs/cgroup/unified/a/cgroup.procs",
            CgroupMoveWarmup.ProcsFile(lines, Existing("/sys/fs/cgroup/unified/a/cgroup.procs", "/sys/fs/cgroup/pids/a/cgroup.procs")));
    }

    [Fact]
    public void With_cgroup_v2_alone_its_mount_is_used()
    {
        Assert.Equal("/sys/fs/cgroup/user.slice/s.scope/cgroup.procs",
            CgroupMoveWarmup.ProcsFile(["0::/user.slice/s.scope"], Existing("/sys/fs/cgroup/user.slice/s.scope/cgroup.procs")));
    }

    [Fact]
    public void The_root_cgroup_has_no_doubled_slash()
    {
        Assert.Equal("/sys/fs/cgroup/unified/cgroup.procs",
            CgroupMoveWarmup.ProcsFile(["1:name=systemd:/", "0::/"], Existing("/sys/fs/cgroup/unified/cgroup.procs")));
    }

    [Fact]
    public void Without_the_unified_hierarchy_a_v1_one_with_controllers_is_used()
    {
        string[] lines = ["1:name=systemd:/d", "4:cpu,cpuacct:/d", "0::/d"];
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/d/cgroup.procs",
            CgroupMoveWarmup.ProcsFile(lines, Existing("/sys/fs/cgroup/systemd/d/cgroup.procs", "/sys/fs/cgroup/cpu,cpuacct/d/cgroup.procs")));
    }

    [Fact]
    public void Nothing_is_written_when_no_file_exists()
    {
        Assert.Null(CgroupMoveWarmup.ProcsFile(["0::/a", "3:memory:/a", "garbage"], Existing()));
    }

    [Fact]
    public void On_this_machine_the_file_is_that_of_this_process_cgroup_and_the_write_moves_nothing()
    {
        string before = File.ReadAllText("/proc/self/cgroup");
        string? procs = CgroupMoveWarmup.ProcsFile(before.Split('\n', StringSplitOptions.RemoveEmptyEntries), File.Exists);
        Assert.NotNull(procs);
        Assert.Contains(Environment.ProcessId.ToString(), File.ReadAllLines(procs));
        new CgroupMoveWarmup().KeepWarm();
        Assert.Equal(before, File.ReadAllText("/proc/self/cgroup"));
        Assert.Contains(Environment.ProcessId.ToString(), File.ReadAllLines(procs));
    }

    private static Func<string, bool> Existing(params string[] paths) => paths.Contains;
}
