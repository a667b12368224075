using Kist.Content;
using Kist.Dockerfile.Evaluation;

namespace Kist.Build.Planning;

/// <summary>One stage to build: its evaluated instructions, the stages it needs first, and its base image when external.</summary>
public sealed record PlannedStage(EvaluatedStage Stage, IReadOnlyList<int> Dependencies, LocalImage? BaseImage)
{
    public int Index => Stage.Source.Index;
    public bool IsScratch => Stage.BaseStage is null && BaseImage is null;

    /// <summary>BuildKit's progress name: the stage name, <c>stage-N</c> when unnamed, nothing for a one-stage build.</summary>
    public string DisplayName(int stageCount) => stageCount == 1 ? "" : Stage.Name ?? $"stage-{Index}";
}

/// <summary>What to build: every stage of the Dockerfile (for references), the ones the target needs in dependency order.</summary>
public sealed record BuildPlan(
    EvaluatedDockerfile Dockerfile,
    IReadOnlyList<PlannedStage?> Stages,
    IReadOnlyList<int> Needed,
    int Target,
    IReadOnlyDictionary<string, LocalImage> Images)
{
    public PlannedStage TargetStage => Stages[Target]!;
}
