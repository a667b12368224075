using Kist.Build.Planning;
using Kist.Content;
using Kist.Dockerfile.Instructions;
using Kist.Oci;

namespace Kist.Build.Tests;

public sealed class StagePlannerTests
{
    private sealed class NoImages : IImageResolver
    {
        public Task<LocalImage> ResolveAsync(string reference, bool pull, CancellationToken cancellationToken = default) =>
            throw new NotFoundException($"No such image: {reference}");
    }

    private static Task<BuildPlan> Plan(string dockerfile, string? target = null) =>
        new StagePlanner(new NoImages()).PlanAsync(new BuildOptions { Dockerfile = dockerfile, Target = target });

    private const string ThreeStages = "FROM scratch AS a\nCOPY x /x\nFROM scratch AS b\nCOPY y /y\nFROM a AS c\nCOPY --from=b /y /z\n";

    [Fact]
    public async Task OnlyTheStagesTheTargetNeedsInDependencyOrder()
    {
        var plan = await Plan(ThreeStages + "FROM scratch AS unused\nCOPY u /u\n", "c");
        Assert.Equal([0, 1, 2], plan.Needed);
        Assert.Null(plan.Stages[3]);
        Assert.Equal([0, 1], plan.Stages[2]!.Dependencies.Order());
    }

    [Fact]
    public async Task TheLastStageIsTheDefaultTarget()
    {
        var plan = await Plan("FROM scratch AS a\nCOPY a /a\nFROM scratch\nCOPY --from=0 /a /b\n");
        Assert.Equal(1, plan.Target);
        Assert.Equal([0, 1], plan.Needed);
    }

    [Fact]
    public async Task AnUnknownTargetIsAnError()
    {
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => Plan(ThreeStages, "nope"));
        Assert.Equal("target stage \"nope\" could not be found", e.Message);
    }

    [Fact]
    public async Task AFutureStageIndexIsAnError()
    {
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => Plan("FROM scratch AS a\nCOPY --from=1 /a /b\nFROM scratch\n", "a"));
        Assert.Contains("refers to current or future build stage", e.Message);
    }

    [Fact]
    public async Task OnbuildTriggersOfABaseStageRunFirstInTheChild()
    {
        var plan = await Plan("FROM scratch AS base\nONBUILD ENV FROM_TRIGGER=1\nFROM base\nENV OWN=2\n");
        var child = plan.TargetStage.Stage.Instructions;
        Assert.IsType<EnvInstruction>(child[0]);
        Assert.Equal("FROM_TRIGGER", ((EnvInstruction)child[0]).Variables[0].Key);
    }

    [Fact]
    public async Task AMissingBaseImageIsReported()
    {
        var e = await Assert.ThrowsAsync<NotFoundException>(() => Plan("FROM nothing-here\n"));
        Assert.Contains("nothing-here", e.Message);
    }
}
