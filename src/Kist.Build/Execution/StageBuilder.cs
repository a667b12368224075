using Kist.Build.Context;
using Kist.Build.Planning;
using Kist.Build.Progress;
using Kist.Dockerfile.Instructions;
using Kist.Oci;

namespace Kist.Build.Execution;

/// <summary>Builds one stage: its base, then each instruction in order (config-only ones, RUN, COPY/ADD, WORKDIR).</summary>
public sealed class StageBuilder(BuildEnvironment env, BuildPlan plan, PlannedStage stage, BuildContext context, Func<int, Task<ImageState>> stageResult)
    : IMountSources
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private readonly Dictionary<string, string> _args = new(StringComparer.Ordinal);
    private int _step;
    private int _total;

    public async Task<ImageState> BuildAsync(CancellationToken cancellationToken)
    {
        var instructions = stage.Stage.Instructions;
        _total = 1 + instructions.Count(i => i is RunInstruction or FileInstruction || (i is WorkdirInstruction));
        var state = await BaseAsync(cancellationToken).ConfigureAwait(false);
        var written = stage.Stage.Source.Instructions;
        for (int index = 0; index < instructions.Count; index++)
        {
            var instruction = instructions[index];
            cancellationToken.ThrowIfCancellationRequested();
            if (instruction is ArgInstruction arg)
                foreach (var d in arg.Args)
                    if (d.DefaultValue is not null) _args[d.Name] = d.DefaultValue;
            state = instruction switch
            {
                RunInstruction run => await RunAsync(state, run, cancellationToken).ConfigureAwait(false),
                FileInstruction file => await CopyAsync(state, file, cancellationToken).ConfigureAwait(false),
                WorkdirInstruction workdir => await WorkdirAsync(state, workdir, cancellationToken).ConfigureAwait(false),
                // ARG's history shows the declaration as written (BuildKit), not the value a --build-arg gave it.
                ArgInstruction when index < written.Count && written[index] is ArgInstruction original =>
                    ConfigInstructions.Apply(state, original, Created(state))!,
                _ => ConfigInstructions.Apply(state, instruction, Created(state))
                     ?? throw new InvalidInputException($"{instruction.Name} is not supported"),
            };
        }
        return state;
    }

    /// <summary>Config-only history entries are dated like the latest layer, so a cached rebuild keeps the image ID.</summary>
    private DateTimeOffset? Created(ImageState state) => env.Options.SourceDateEpoch is not null ? env.Now() : state.LastCreated ?? env.Now();

    private string StepName(Instruction instruction)
    {
        string prefix = stage.DisplayName(plan.Dockerfile.Stages.Count);
        string text = instruction is FromInstruction ? "FROM " + stage.Stage.BaseName : Display(instruction);
        return $"[{(prefix.Length > 0 ? prefix + " " : "")}{++_step}/{_total}] {text}";
    }

    private static string Display(Instruction instruction)
    {
        string original = instruction.Original.Trim();
        int space = original.IndexOfAny([' ', '\t']);
        return space < 0 ? original.ToUpperInvariant() : original[..space].ToUpperInvariant() + original[space..];
    }

    private async Task<ImageState> BaseAsync(CancellationToken cancellationToken)
    {
        ImageState state;
        if (stage.Stage.BaseStage is int parent) state = await stageResult(parent).ConfigureAwait(false) with { CmdSet = false };
        else if (stage.BaseImage is { } image)
        {
            var progress = env.Progress.Start(StepName(stage.Stage.Source.From));
            state = ImageState.FromImage(image);
            progress.Done();
        }
        else state = ImageState.Scratch(Platform.Host);
        if (stage.Stage.BaseStage is null && stage.BaseImage is null) _step++;
        state = state with { Config = state.Config with { OnBuild = null } };
        if (!(state.Config.Env ?? []).Any(e => e.StartsWith("PATH=", StringComparison.Ordinal)))
            state = state with { Config = state.Config with { Env = [.. state.Config.Env ?? [], "PATH=" + DefaultPath] } };
        return state;
    }

    private async Task<ImageState> RunAsync(ImageState state, RunInstruction run, CancellationToken cancellationToken)
    {
        string name = StepName(run);
        try
        {
            return await new RunStep(env, state, run, new Dictionary<string, string>(_args), plan.Dockerfile.ProxyArgs, this)
                .ExecuteAsync(env.Progress.Start(name), cancellationToken).ConfigureAwait(false);
        }
        catch (BuildStepException e)
        {
            e.StepName ??= name;
            throw;
        }
    }

    /// <summary>The tree a RUN --mount=type=bind reads: the context, or a stage's or an image's root filesystem.</summary>
    public async Task<MountSource> OpenAsync(string? from, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(from)) return new MountSource(context.Root, "context", context.IsIncluded, null);
        var state = await FromStateAsync(from).ConfigureAwait(false);
        var rootfs = await ReadOnlyRootfs.MountAsync(env, state, cancellationToken).ConfigureAwait(false);
        return new MountSource(rootfs.Path, state.CacheKey, null, rootfs);
    }

    /// <summary>The state a <c>--from</c> names: a stage's result (waiting for it) or an image's.</summary>
    private async Task<ImageState> FromStateAsync(string from) =>
        StageReferences.FindStage(plan.Dockerfile.Stages, from, stage.Index) is int index
            ? await stageResult(index).ConfigureAwait(false)
            : ImageState.FromImage(plan.Images[from]);

    private async Task<ImageState> CopyAsync(ImageState state, FileInstruction file, CancellationToken cancellationToken)
    {
        // The step starts once the stage it copies from is built, as BuildKit shows it.
        ImageState? fromState = file is CopyInstruction { From: { Length: > 0 } from } ? await FromStateAsync(from).ConfigureAwait(false) : null;
        var progress = env.Progress.Start(StepName(file));
        return await new CopyStep(env, context, state, file, fromState).ExecuteAsync(progress, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ImageState> WorkdirAsync(ImageState state, WorkdirInstruction workdir, CancellationToken cancellationToken)
    {
        string wd = NormalizeWorkdir(state.Config.WorkingDir, workdir.Path);
        state = state with { Config = state.Config with { WorkingDir = wd } };
        if (wd == "/")
        {
            var entry = new HistoryEntry { Created = Created(state), CreatedBy = "WORKDIR /", Comment = ConfigInstructions.HistoryComment, EmptyLayer = true };
            return state with { History = [.. state.History, entry] };
        }
        var progress = env.Progress.Start(StepName(workdir));
        string? user = state.Config.User;
        string key = Cache.CacheKey.Step(state.CacheKey, "WORKDIR").Add(wd).Add(user ?? "").Finish();
        return await StepRunner.ExecuteAsync(env, state, key, "WORKDIR " + wd, progress, (_, rootfs) =>
        {
            var owner = string.IsNullOrEmpty(user) ? null : Runtime.Spec.UserResolver.Resolve(user, rootfs);
            RootedPath.CreateDirectories(rootfs, wd, owner?.Uid ?? 0, owner?.Gid ?? 0);
            return Task.FromResult<Func<string, bool>?>(null);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A relative WORKDIR joins the current one; the result is clean and absolute.</summary>
    public static string NormalizeWorkdir(string? current, string path)
    {
        string joined = path.StartsWith('/') ? path : (string.IsNullOrEmpty(current) ? "/" : current) + "/" + path;
        var parts = new List<string>();
        foreach (var part in joined.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }
}
