using System.Globalization;
using Kist.Dockerfile.Evaluation;
using Kist.Dockerfile.Instructions;
using Kist.Oci;

namespace Kist.Build.Planning;

/// <summary>What a stage reads besides its own instructions: its base and the <c>--from</c> of COPY and RUN mounts.</summary>
public static class StageReferences
{
    /// <summary>
    /// The stage a <c>--from</c> value names (a name, case-insensitively, or an earlier stage's index), or null when it
    /// names an image.
    /// </summary>
    public static int? FindStage(IReadOnlyList<EvaluatedStage> stages, string from, int current)
    {
        if (int.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            if (index >= current) throw new InvalidInputException($"invalid from flag value {from}: refers to current or future build stage");
            return index;
        }
        for (int i = 0; i < stages.Count; i++)
        {
            if (stages[i].Name is { } name && name.Equals(from, StringComparison.OrdinalIgnoreCase))
            {
                if (i == current) throw new InvalidInputException($"circular dependency detected on stage: {name}");
                return i;
            }
        }
        return null;
    }

    /// <summary>Every <c>--from</c> value of the stage's COPY instructions and RUN mounts.</summary>
    public static IEnumerable<string> FromValues(EvaluatedStage stage)
    {
        foreach (var instruction in stage.Instructions)
        {
            if (instruction is CopyInstruction { From: { Length: > 0 } from }) yield return from;
            if (instruction is RunInstruction run)
                foreach (var m in run.Mounts)
                    if (m.From is { Length: > 0 } mf) yield return mf;
        }
    }

    public static bool IsScratch(string name) => name.Equals("scratch", StringComparison.OrdinalIgnoreCase);
}
