using System.Text.RegularExpressions;
using Kist.Build.Progress;
using Kist.Dockerfile.Instructions;
using Kist.Oci;

namespace Kist.Build.Execution;

/// <summary>
/// RUN: the command (through the image's SHELL in shell form, heredocs as BuildKit runs them), the image's env with
/// the stage's build args, user and working directory; its key covers all of them.
/// </summary>
public sealed partial class RunStep(BuildEnvironment env, ImageState state, RunInstruction run, IReadOnlyDictionary<string, string> args,
    IReadOnlyDictionary<string, string> proxyArgs, IMountSources sources)
{
    public async Task<ImageState> ExecuteAsync(IStepProgress progress, CancellationToken cancellationToken)
    {
        var (argv, script) = Command();
        string workingDir = state.Config.WorkingDir is { Length: > 0 } wd ? wd : "/";
        await using var mounts = await RunMounts.PrepareAsync(env, run.Mounts, sources, workingDir, cancellationToken).ConfigureAwait(false);
        var configEnv = state.Config.Env ?? [];
        var processEnv = configEnv.ToList();
        foreach (var (k, v) in args.Concat(proxyArgs))
            if (!processEnv.Any(e => e.StartsWith(k + "=", StringComparison.Ordinal))) processEnv.Add(k + "=" + v);
        string network = run.Network is "none" or "host" ? run.Network : Normalize(env.Options.Network);
        var key = Cache.CacheKey.Step(state.CacheKey, "RUN").AddAll(argv).AddAll(processEnv).Add(state.Config.User ?? "").Add(workingDir)
            .Add(network).Add(script?.Content ?? "").AddAll(mounts.KeyParts).Finish();
        // Secrets given as variables are not part of the key, as BuildKit keeps them out of it.
        var request = new RunRequest(argv, [.. processEnv, .. mounts.Env], state.Config.User, workingDir, network) { Mounts = mounts.Mounts };
        return await StepRunner.ExecuteAsync(env, state, key, CreatedBy(argv, configEnv), progress, async (bundle, rootfs) =>
        {
            var stubs = MountStubs.Before(rootfs, request.Mounts.Select(m => m.Destination).Append("dev/pipes"));
            var final = request;
            if (script is not null)
            {
                // A heredoc script with a shebang runs as a file, as BuildKit mounts it at /dev/pipes.
                string file = Path.Combine(bundle, "script");
                await File.WriteAllTextAsync(file, script.Content, cancellationToken).ConfigureAwait(false);
                File.SetUnixFileMode(file, (UnixFileMode)0b111_101_101);
                final = request with { Mounts = [.. request.Mounts, new Runtime.Spec.SpecMount { Destination = "/dev/pipes/" + script.Name, Type = "bind", Source = file, Options = ["rbind", "ro"] }] };
            }
            try
            {
                await RunExecutor.RunAsync(env, bundle, final, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (BuildStepException e)
            {
                progress.Error(e.Message);
                throw;
            }
            stubs.RemoveUnused(rootfs);
            return null;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string Normalize(string network) => network is "none" or "host" ? network : "host";

    /// <summary>The argv, and the heredoc script to mount when the command is one heredoc with a shebang.</summary>
    private (IReadOnlyList<string> Argv, HeredocFile? Script) Command()
    {
        var command = run.Command;
        if (run.Files.Count == 0) return (ConfigInstructions.Command(state.Config, command), null);
        string line = string.Join(' ', command.Arguments);
        if (run.Files.Count == 1 && HeredocOnly().IsMatch(line.Trim()))
        {
            var file = run.Files[0];
            if (file.Content.StartsWith("#!", StringComparison.Ordinal)) return (["/dev/pipes/" + file.Name], file);
            return (ConfigInstructions.Command(state.Config, new CommandLine([file.Content], true)), null);
        }
        string full = line + string.Concat(run.Files.Select(f => "\n" + f.Content + f.Name));
        return (ConfigInstructions.Command(state.Config, new CommandLine([full], true)), null);
    }

    /// <summary>BuildKit's history text: <c>RUN |2 A=1 B=2 /bin/sh -c make # buildkit</c> (the stage's build args first).</summary>
    private string CreatedBy(IReadOnlyList<string> argv, IReadOnlyList<string> configEnv)
    {
        var parts = new List<string>();
        if (args.Count > 0)
        {
            parts.Add("|" + args.Count);
            foreach (var (k, v) in args)
            {
                var fromEnv = configEnv.FirstOrDefault(e => e.StartsWith(k + "=", StringComparison.Ordinal));
                parts.Add(fromEnv ?? k + "=" + v);
            }
        }
        parts.AddRange(argv);
        return "RUN " + string.Join(' ', parts) + " # buildkit";
    }

    [GeneratedRegex("^<<-?[\"']?[A-Za-z0-9_]+[\"']?$")]
    private static partial Regex HeredocOnly();
}
