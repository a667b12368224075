using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// The default seccomp filter and <c>--security-opt seccomp=…</c> against docker on the identical image: the same
/// calls fail (user and mount namespaces, mounts), the same capabilities lift the same rules, a profile file applies.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SeccompTests(ContainerImages images) : IClassFixture<ContainerImages>
{
    public static TheoryData<string, string> Cases() => new()
    {
        { "", "busybox grep Seccomp /proc/self/status" },
        { "", "busybox unshare -U true" },
        { "", "busybox unshare -m true" },
        { "--cap-add SYS_ADMIN", "busybox unshare -U true" },
        { "--cap-add SYS_ADMIN", "busybox mount -t tmpfs none /mnt" },
        { "--security-opt seccomp=unconfined", "busybox grep Seccomp /proc/self/status" },
        { "--security-opt seccomp=unconfined", "busybox unshare -U true" },
        { "--security-opt seccomp=PROFILE", "busybox mkdir /made" },
        { "--security-opt seccomp=PROFILE", "busybox unshare -U true" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Behaves_as_docker(string flags, string command)
    {
        string profile = Path.Combine(images.Scratch.Path, "no-mkdir.json");
        await File.WriteAllTextAsync(profile, """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}""");
        string[] args = [.. flags.Replace("PROFILE", profile).Split(' ', StringSplitOptions.RemoveEmptyEntries), images.Plain, .. command.Split(' ')];
        var kist = await KistAsync(images.Root.Path, ["run", "--rm", "--network", "none", .. args]);
        var docker = await Docker.RunAsync(["run", "--rm", "--network", "none", .. args]);
        Assert.Equal(docker.ExitCode, kist.ExitCode);
        Assert.Equal(docker.Stdout, kist.Stdout);
        Assert.Equal(docker.Stderr.Trim(), kist.Stderr.Trim());
    }

    [Fact]
    public async Task Bad_security_options_are_refused_before_anything_is_created()
    {
        foreach (var option in new[] { "foo", "seccomp=/nonexistent/profile.json" })
        {
            var kist = await KistAsync(images.Root.Path, "run", "--rm", "--security-opt", option, images.Plain, "true");
            Assert.Equal(125, kist.ExitCode);
            Assert.Contains(option == "foo" ? "Invalid --security-opt: \"foo\"" : "opening seccomp profile (/nonexistent/profile.json) failed", kist.Stderr);
        }
        Assert.Equal("", (await KistAsync(images.Root.Path, "ps", "-aq")).ShouldSucceed().Stdout);
    }
}
