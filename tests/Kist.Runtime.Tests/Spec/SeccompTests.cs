using Kist.Oci;
using Kist.Runtime.Spec.Seccomp;

namespace Kist.Runtime.Tests.Spec;

public sealed class SeccompTests
{
    private static readonly string[] DefaultCaps = ["CAP_CHOWN", "CAP_KILL"];

    private static IEnumerable<string> Denied(string[] caps, params string[] options) =>
        SecurityOptions.Seccomp(options, privileged: false, caps)!.Syscalls!.Where(s => s.Action == "SCMP_ACT_ERRNO").SelectMany(s => s.Names);

    [Fact]
    public void The_default_filter_blocks_what_dockers_blocks_unless_the_capability_is_held()
    {
        Assert.Contains("mount", Denied(DefaultCaps));
        Assert.Contains("keyctl", Denied(DefaultCaps));
        Assert.Contains("clone", Denied(DefaultCaps));
        Assert.DoesNotContain("mount", Denied([.. DefaultCaps, "CAP_SYS_ADMIN"]));
        Assert.DoesNotContain("clone", Denied([.. DefaultCaps, "CAP_SYS_ADMIN"]));
        Assert.Contains("keyctl", Denied([.. DefaultCaps, "CAP_SYS_ADMIN"]));
        Assert.DoesNotContain("reboot", Denied([.. DefaultCaps, "CAP_SYS_BOOT"]));
    }

    [Fact]
    public void Privileged_and_unconfined_containers_have_no_filter()
    {
        Assert.Null(SecurityOptions.Seccomp([], privileged: true, DefaultCaps));
        Assert.Null(SecurityOptions.Seccomp(["seccomp=unconfined"], privileged: false, DefaultCaps));
        Assert.Null(SecurityOptions.Seccomp(["seccomp:unconfined"], privileged: false, DefaultCaps));
    }

    [Fact]
    public void A_profile_file_is_kept_whole_in_the_options_and_its_rules_follow_the_capabilities()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """
                {"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,
                 "archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}],
                 "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
                             {"name":"mount","action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"]}}]}
                """);
            var options = SecurityOptions.Normalize(["seccomp=" + file, "no-new-privileges"]);
            Assert.StartsWith("seccomp={", options[0]);
            var spec = SecurityOptions.Seccomp(options, privileged: false, DefaultCaps)!;
            Assert.Equal("SCMP_ACT_ERRNO", spec.DefaultAction);
            Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], spec.Architectures);
            Assert.Equal(["read", "write"], spec.Syscalls!.Single().Names);
            Assert.Equal(2, SecurityOptions.Seccomp(options, false, ["CAP_SYS_ADMIN"])!.Syscalls!.Count);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("foo")]
    [InlineData("seccomp=/nonexistent/profile.json")]
    [InlineData("seccomp={not json")]
    [InlineData("no-new-privileges=maybe")]
    public void Bad_options_are_refused(string option) =>
        Assert.Throws<InvalidInputException>(() => SecurityOptions.Normalize([option]));
}
