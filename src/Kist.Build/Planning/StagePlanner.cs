using Kist.Content;
using Kist.Dockerfile;
using Kist.Dockerfile.Evaluation;
using Kist.Dockerfile.Instructions;
using Kist.Oci;

namespace Kist.Build.Planning;

/// <summary>
/// Turns a Dockerfile into a <see cref="BuildPlan"/>: picks the stages the target needs, resolves (or pulls) their
/// external images, splices in ONBUILD triggers and evaluates every word with the base images' environments.
/// </summary>
public sealed class StagePlanner(IImageResolver images)
{
    public async Task<BuildPlan> PlanAsync(BuildOptions options, CancellationToken cancellationToken = default)
    {
        DockerfileDocument document;
        try
        {
            document = DockerfileDocument.Parse(options.Dockerfile);
        }
        catch (DockerfileException e)
        {
            throw new InvalidInputException("dockerfile parse error" + (e.Range is { } r ? $" on line {r.Start.Line}" : "") + ": " + e.Message);
        }
        var evaluation = new EvaluationOptions { BuildArgs = options.BuildArgs };
        var first = Evaluate(document, evaluation);
        int target = FindTarget(first.Stages, options.Target);
        var resolved = new Dictionary<string, LocalImage>(StringComparer.Ordinal);
        await ResolveImagesAsync(first, Needed(first.Stages, target), resolved, options.Pull, cancellationToken).ConfigureAwait(false);

        // ONBUILD triggers of a base (image or stage) become the first instructions of the child stage.
        var stages = document.Stages.ToList();
        bool spliced = false;
        for (int i = 0; i < stages.Count; i++)
        {
            var evaluated = first.Stages[i];
            IReadOnlyList<string> triggers = evaluated.BaseStage is int parent ? OnbuildTriggers.Declared(document.Stages[parent])
                : resolved.TryGetValue(evaluated.BaseName, out var image) ? image.ConfigValue.Config?.OnBuild ?? [] : [];
            if (triggers.Count == 0) continue;
            stages[i] = stages[i] with { Instructions = [.. OnbuildTriggers.Parse(triggers, document.EscapeToken), .. stages[i].Instructions] };
            spliced = true;
        }
        if (spliced) document = document with { Stages = stages };

        var final = Evaluate(document, evaluation with
        {
            BaseImageEnv = name => resolved.TryGetValue(name, out var image) ? image.ConfigValue.Config?.Env ?? [] : null,
        });
        var needed = Needed(final.Stages, target);
        await ResolveImagesAsync(final, needed, resolved, options.Pull, cancellationToken).ConfigureAwait(false);

        var planned = new PlannedStage?[final.Stages.Count];
        foreach (int i in needed)
        {
            var stage = final.Stages[i];
            var deps = Dependencies(final.Stages, i).Distinct().ToArray();
            LocalImage? baseImage = stage.BaseStage is null && !StageReferences.IsScratch(stage.BaseName) ? resolved[stage.BaseName] : null;
            planned[i] = new PlannedStage(stage, deps, baseImage);
        }
        return new BuildPlan(final, planned, needed, target, resolved);
    }

    private static EvaluatedDockerfile Evaluate(DockerfileDocument document, EvaluationOptions options)
    {
        try
        {
            return DockerfileEvaluator.Evaluate(document, options);
        }
        catch (DockerfileException e)
        {
            throw new InvalidInputException((e.Range is { } r ? $"Dockerfile:{r.Start.Line}: " : "") + e.Message);
        }
    }

    private static int FindTarget(IReadOnlyList<EvaluatedStage> stages, string? target)
    {
        if (string.IsNullOrEmpty(target)) return stages.Count - 1;
        for (int i = 0; i < stages.Count; i++)
            if (stages[i].Name is { } name && name.Equals(target, StringComparison.OrdinalIgnoreCase)) return i;
        throw new InvalidInputException($"target stage \"{target}\" could not be found");
    }

    /// <summary>The stages a stage reads: its base stage and the stages its COPY --from and RUN mounts name.</summary>
    private static IEnumerable<int> Dependencies(IReadOnlyList<EvaluatedStage> stages, int index)
    {
        var stage = stages[index];
        if (stage.BaseStage is int parent) yield return parent;
        foreach (var from in StageReferences.FromValues(stage))
            if (StageReferences.FindStage(stages, from, index) is int dep) yield return dep;
    }

    /// <summary>The target and everything it needs, each after its dependencies.</summary>
    private static List<int> Needed(IReadOnlyList<EvaluatedStage> stages, int target)
    {
        var order = new List<int>();
        var state = new byte[stages.Count]; // 0 new, 1 visiting, 2 done
        void Visit(int i)
        {
            if (state[i] == 2) return;
            if (state[i] == 1) throw new InvalidInputException($"circular dependency detected on stage: {stages[i].Name ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            state[i] = 1;
            foreach (int d in Dependencies(stages, i)) Visit(d);
            state[i] = 2;
            order.Add(i);
        }
        Visit(target);
        return order;
    }

    private async Task ResolveImagesAsync(EvaluatedDockerfile dockerfile, IReadOnlyList<int> needed, Dictionary<string, LocalImage> resolved,
        bool pull, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (int i in needed)
        {
            var stage = dockerfile.Stages[i];
            if (stage.BaseStage is null && !StageReferences.IsScratch(stage.BaseName)) names.Add(stage.BaseName);
            foreach (var from in StageReferences.FromValues(stage))
                if (StageReferences.FindStage(dockerfile.Stages, from, i) is null) names.Add(from);
        }
        names.ExceptWith(resolved.Keys);
        var tasks = names.Select(async n => (n, await images.ResolveAsync(n, pull, cancellationToken).ConfigureAwait(false))).ToList();
        foreach (var (name, image) in await Task.WhenAll(tasks).ConfigureAwait(false)) resolved[name] = image;
    }
}
