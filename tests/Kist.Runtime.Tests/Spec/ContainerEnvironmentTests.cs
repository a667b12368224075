using Kist.Runtime.Spec;

namespace Kist.Runtime.Tests.Spec;

public sealed class ContainerEnvironmentTests
{
    [Fact]
    public void User_variables_come_first_then_the_image_ones_not_overridden()
    {
        var merged = ContainerEnvironment.MergeConfig(["B=user", "C=3"], ["A=1", "B=image", "PATH=/img"]);
        Assert.Equal(["B=user", "C=3", "A=1", "PATH=/img"], merged);
    }

    [Fact]
    public void Process_environment_starts_with_path_and_hostname_and_replaces_in_place()
    {
        var env = ContainerEnvironment.ForProcess(["PATH=/img", "FOO=bar"], "abc", tty: false);
        Assert.Equal(["PATH=/img", "HOSTNAME=abc", "FOO=bar"], env);
        Assert.Equal(["PATH=" + DockerDefaults.Path, "HOSTNAME=h", "TERM=xterm"], ContainerEnvironment.ForProcess([], "h", tty: true));
    }

    [Fact]
    public void A_bare_name_takes_the_callers_value_or_is_dropped()
    {
        Assert.Equal("X=1", ContainerEnvironment.FromFlag("X", n => n == "X" ? "1" : null));
        Assert.Null(ContainerEnvironment.FromFlag("Y", _ => null));
        Assert.Equal("Z=a=b", ContainerEnvironment.FromFlag("Z=a=b", _ => null));
    }

    [Fact]
    public void Env_files_skip_comments_and_blank_lines()
    {
        var lines = new[] { "# comment", "", "A=1", "  B=two words", "C" };
        Assert.Equal(["A=1", "B=two words", "C=c"], ContainerEnvironment.ParseEnvFile(lines, n => n == "C" ? "c" : null).ToList());
    }
}
