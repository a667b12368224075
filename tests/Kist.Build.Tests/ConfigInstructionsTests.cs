using Kist.Build.Execution;
using Kist.Dockerfile.Evaluation;
using Kist.Dockerfile.Instructions;
using Kist.Oci;

namespace Kist.Build.Tests;

public sealed class ConfigInstructionsTests
{
    private static ImageState Apply(string dockerfile)
    {
        var stage = DockerfileEvaluator.Evaluate(DockerfileDocument.Parse(dockerfile)).Stages[0];
        var state = ImageState.Scratch(Platform.Host);
        foreach (var i in stage.Instructions) state = ConfigInstructions.Apply(state, i, DateTimeOffset.UnixEpoch)!;
        return state;
    }

    [Fact]
    public void EnvKeepsTheVariablesPlace()
    {
        var state = Apply("FROM scratch\nENV A=1 B=2\nENV A=3\n");
        Assert.Equal(["A=3", "B=2"], state.Config.Env!);
        Assert.Equal(["ENV A=1 B=2", "ENV A=3"], state.History.Select(h => h.CreatedBy!));
        Assert.All(state.History, h => Assert.True(h.EmptyLayer));
        Assert.All(state.History, h => Assert.Equal("buildkit.dockerfile.v0", h.Comment));
    }

    [Fact]
    public void ShellFormCmdRunsThroughTheShell()
    {
        var state = Apply("FROM scratch\nSHELL [\"/bin/bash\", \"-c\"]\nCMD echo hi\n");
        Assert.Equal(["/bin/bash", "-c", "echo hi"], state.Config.Cmd!);
        Assert.Equal("SHELL [/bin/bash -c]", state.History[0].CreatedBy);
        Assert.Equal("CMD [\"/bin/bash\" \"-c\" \"echo hi\"]", state.History[1].CreatedBy);
    }

    [Fact]
    public void EntrypointClearsAnInheritedCmdButNotOneSetInTheStage()
    {
        var inherited = ImageState.Scratch(Platform.Host) with { Config = new ContainerConfig { Cmd = ["sh"] } };
        var ep = (EntrypointInstruction)DockerfileDocument.Parse("FROM scratch\nENTRYPOINT [\"x\"]\n").Stages[0].Instructions[0];
        Assert.Null(ConfigInstructions.Apply(inherited, ep, null)!.Config.Cmd);
        var own = Apply("FROM scratch\nCMD [\"a\"]\nENTRYPOINT [\"x\"]\n");
        Assert.Equal(["a"], own.Config.Cmd!);
        Assert.Equal(["x"], own.Config.Entrypoint!);
    }

    [Fact]
    public void ExposeExpandsRangesAndDefaultsToTcp()
    {
        var state = Apply("FROM scratch\nEXPOSE 80 53/udp 8000-8001\n");
        Assert.Equal(["53/udp", "80/tcp", "8000/tcp", "8001/tcp"], state.Config.ExposedPorts!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("EXPOSE map[53/udp:{} 80/tcp:{} 8000/tcp:{} 8001/tcp:{}]", state.History[0].CreatedBy);
    }

    [Fact]
    public void LabelsVolumesUserStopSignalOnbuild()
    {
        var state = Apply("FROM scratch\nLABEL a=1 b=\"two words\"\nVOLUME /data /logs\nUSER alice\nSTOPSIGNAL SIGKILL\nONBUILD RUN echo hi\n");
        Assert.Equal("two words", state.Config.Labels!["b"]);
        Assert.Equal(["/data", "/logs"], state.Config.Volumes!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("alice", state.Config.User);
        Assert.Equal("SIGKILL", state.Config.StopSignal);
        Assert.Equal(["RUN echo hi"], state.Config.OnBuild!);
        Assert.Equal(["LABEL a=1 b=two words", "VOLUME [/data /logs]", "USER alice", "STOPSIGNAL SIGKILL"],
            state.History.Select(h => h.CreatedBy!));
    }

    [Fact]
    public void HealthcheckInNanoseconds()
    {
        var state = Apply("FROM scratch\nHEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/\n");
        var h = state.Config.Healthcheck!;
        Assert.Equal(["CMD-SHELL", "curl -f http://localhost/"], h.Test!);
        Assert.Equal(30_000_000_000, h.Interval);
        Assert.Null(h.Timeout);
        Assert.Equal(3, h.Retries);
        Assert.Equal("HEALTHCHECK &{[\"CMD-SHELL\" \"curl -f http://localhost/\"] \"30s\" \"0s\" \"0s\" \"0s\" '\\x03'}", state.History[0].CreatedBy);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(30, "30s")]
    [InlineData(90, "1m30s")]
    [InlineData(300, "5m0s")]
    [InlineData(3600, "1h0m0s")]
    [InlineData(1.5, "1.5s")]
    [InlineData(0.25, "250ms")]
    public void GoDurations(double seconds, string expected) => Assert.Equal(expected, GoFormat.Duration(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(null, "/app", "/app")]
    [InlineData("/app", "src", "/app/src")]
    [InlineData("/app", "../x/./y/", "/x/y")]
    [InlineData("/", "..", "/")]
    public void Workdirs(string? current, string path, string expected) => Assert.Equal(expected, StageBuilder.NormalizeWorkdir(current, path));
}
