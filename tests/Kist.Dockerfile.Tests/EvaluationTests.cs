using Kist.Dockerfile.Evaluation;
using Kist.Dockerfile.Instructions;

namespace Kist.Dockerfile.Tests;

public sealed class EvaluationTests
{
    private static EvaluatedDockerfile Eval(string text, Dictionary<string, string>? buildArgs = null, string target = "linux/arm/v7", string build = "linux/amd64") =>
        DockerfileEvaluator.Evaluate(DockerfileDocument.Parse(text), new EvaluationOptions
        {
            BuildArgs = buildArgs ?? [],
            TargetPlatform = PlatformSpec.Parse(target),
            BuildPlatform = PlatformSpec.Parse(build),
        });

    [Fact]
    public void Automatic_platform_args_are_in_scope_for_from_and_after_declaration()
    {
        var ev = Eval("FROM --platform=$BUILDPLATFORM img:$TARGETARCH\nARG TARGETPLATFORM TARGETOS TARGETARCH TARGETVARIANT BUILDOS BUILDARCH\nLABEL p=$TARGETPLATFORM o=$TARGETOS a=$TARGETARCH v=$TARGETVARIANT b=$BUILDOS/$BUILDARCH\n");
        var stage = ev.Stages[0];
        Assert.Equal("img:arm", stage.BaseName);
        Assert.Equal("linux/amd64", stage.Platform!.ToString());
        var label = Assert.IsType<LabelInstruction>(stage.Instructions[1]);
        Assert.Equal(["linux/arm/v7", "linux", "arm", "v7", "linux/amd64"], label.Labels.Select(l => l.Value).ToArray());
    }

    [Fact]
    public void Platform_args_are_not_visible_in_a_stage_without_arg()
    {
        var ev = Eval("FROM a\nLABEL a=x$TARGETARCH\n");
        Assert.Equal("x", Assert.IsType<LabelInstruction>(ev.Stages[0].Instructions[0]).Labels[0].Value);
        Assert.Contains(ev.Undefined, u => u.Name == "TARGETARCH");
    }

    [Fact]
    public void Global_args_need_redeclaring_and_keep_their_value()
    {
        var ev = Eval("ARG V=1\nFROM a:$V\nLABEL before=x$V\nARG V\nLABEL after=$V\n");
        Assert.Equal("a:1", ev.Stages[0].BaseName);
        var i = ev.Stages[0].Instructions;
        Assert.Equal("x", ((LabelInstruction)i[0]).Labels[0].Value);
        Assert.Equal("1", ((LabelInstruction)i[2]).Labels[0].Value);
    }

    [Fact]
    public void Build_args_override_defaults_in_both_scopes_and_unused_are_reported()
    {
        var ev = Eval("ARG V=1\nFROM a:$V\nARG W=2\nARG V\nLABEL w=$W v=$V\n", new() { ["V"] = "9", ["W"] = "8", ["X"] = "7", ["HTTP_PROXY"] = "http://p" });
        Assert.Equal("a:9", ev.Stages[0].BaseName);
        Assert.Equal(["8", "9"], ((LabelInstruction)ev.Stages[0].Instructions[2]).Labels.Select(l => l.Value).ToArray());
        Assert.Equal(["X"], ev.UnusedBuildArgs);
        Assert.Equal("http://p", ev.ProxyArgs["HTTP_PROXY"]);
    }

    [Fact]
    public void Env_after_arg_wins_and_arg_after_env_wins()
    {
        var ev = Eval("FROM a\nARG X=arg\nENV X=env\nLABEL one=$X\nARG X=arg2\nLABEL two=$X\n");
        var i = ev.Stages[0].Instructions;
        Assert.Equal("env", ((LabelInstruction)i[2]).Labels[0].Value);
        Assert.Equal("arg2", ((LabelInstruction)i[4]).Labels[0].Value);
        Assert.Equal("env", ev.Stages[0].Env["X"]);
    }

    [Fact]
    public void Stages_inherit_env_from_their_base_stage_not_args()
    {
        var ev = Eval("FROM a AS base\nENV E=1\nARG A=2\nFROM base\nLABEL e=$E a=x$A\n");
        Assert.Equal(0, ev.Stages[1].BaseStage);
        Assert.Equal(["1", "x"], ((LabelInstruction)ev.Stages[1].Instructions[0]).Labels.Select(l => l.Value).ToArray());
    }

    [Fact]
    public void Base_image_env_is_used_when_known()
    {
        var doc = DockerfileDocument.Parse("FROM node:20\nENV P=$NODE_VERSION:$PATH\n");
        var ev = DockerfileEvaluator.Evaluate(doc, new EvaluationOptions { BaseImageEnv = name => name == "node:20" ? ["NODE_VERSION=20.1", "PATH=/n/bin"] : null });
        Assert.Equal("20.1:/n/bin", ev.Stages[0].Env["P"]);
        Assert.Empty(ev.Undefined);
    }

    [Fact]
    public void Exec_and_shell_commands_are_not_expanded()
    {
        var ev = Eval("FROM a\nENV X=1\nRUN echo $X\nCMD [\"$X\"]\nENTRYPOINT echo $X\nHEALTHCHECK CMD echo $X\n");
        var i = ev.Stages[0].Instructions;
        Assert.Equal("echo $X", ((RunInstruction)i[1]).Command.Arguments[0]);
        Assert.Equal("$X", ((CmdInstruction)i[2]).Command.Arguments[0]);
        Assert.Equal("echo $X", ((EntrypointInstruction)i[3]).Command.Arguments[0]);
        Assert.Equal("echo $X", ((HealthcheckInstruction)i[4]).Test[1]);
    }

    [Theory]
    [InlineData("80", 80, 80, "tcp")]
    [InlineData("53/udp", 53, 53, "udp")]
    [InlineData("8000-8010/TCP", 8000, 8010, "tcp")]
    [InlineData("132/sctp", 132, 132, "sctp")]
    [InlineData("127.0.0.1:8080:80", 80, 80, "tcp")]
    public void Exposed_ports(string spec, int start, int end, string protocol)
    {
        Assert.Equal(new ExposedPort(start, end, protocol), ExposedPort.Parse(spec));
    }

    [Theory]
    [InlineData("http")]
    [InlineData("80/icmp")]
    [InlineData("90-80")]
    [InlineData("70000")]
    public void Bad_exposed_ports(string spec)
    {
        var ev = Eval("FROM a\nEXPOSE " + spec + "\n");
        var e = Assert.ThrowsAny<DockerfileException>(() => ((ExposeInstruction)ev.Stages[0].Instructions[0]).ParsePorts());
        Assert.Equal(2, e.Line);
    }

    [Theory]
    [InlineData("linux/amd64", "linux", "amd64", null)]
    [InlineData("linux/arm64/v8", "linux", "arm64", null)]
    [InlineData("linux/arm/v7", "linux", "arm", "v7")]
    [InlineData("windows/amd64", "windows", "amd64", null)]
    [InlineData("Linux/x86_64", "linux", "amd64", null)]
    public void Platforms(string text, string os, string arch, string? variant)
    {
        Assert.Equal(new PlatformSpec(os, arch, variant), PlatformSpec.Parse(text));
    }
}
