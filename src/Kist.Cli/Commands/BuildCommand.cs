using System.CommandLine;
using System.Runtime.InteropServices;
using Kist.Build;
using Kist.Build.Cache.Remote;
using Kist.Build.Progress;
using Kist.Engine.Build;
using Kist.Oci;

namespace Kist.Cli.Commands;

/// <summary>
/// <c>kist build [OPTIONS] PATH | -</c>: builds an image from a Dockerfile with BuildKit's semantics and progress
/// output (on stderr; <c>-q</c> prints only the image ID). With <c>--check</c> the Dockerfile is only parsed and
/// linted (BuildKit's rules): warnings exit 0, errors (a parse error, or findings under <c># check=error=true</c>) exit 1.
/// </summary>
internal static class BuildCommand
{
    public static Command Create()
    {
        var check = new Option<bool>("--check") { Description = "Check the Dockerfile (parse and lint) without building" };
        var file = new Option<string?>("--file", "-f") { Description = "Name of the Dockerfile (default: PATH/Dockerfile; - for stdin)" };
        var format = new Option<string>("--format")
        {
            Description = "Output format of --check: text or json",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json");
        var buildArgs = Cli.Repeatable("Set build-time variables", "--build-arg");
        var tags = Cli.Repeatable("Name and optionally a tag (format: name:tag)", "--tag", "-t");
        var target = new Option<string?>("--target") { Description = "Set the target build stage to build" };
        var labels = Cli.Repeatable("Set metadata for an image", "--label");
        var platform = new Option<string?>("--platform") { Description = "Set the target platform (this host's only)" };
        var iidfile = new Option<string?>("--iidfile") { Description = "Write the image ID to a file" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress the build output and print image ID on success" };
        var progress = new Option<string>("--progress")
        {
            Description = "Set type of progress output (auto, plain, tty)",
            DefaultValueFactory = _ => "auto",
        };
        progress.AcceptOnlyFromAmong("auto", "plain", "tty", "quiet");
        var network = new Option<string>("--network")
        {
            Description = "Networking mode for the RUN instructions: default (the host's), host or none",
            DefaultValueFactory = _ => "default",
        };
        network.AcceptOnlyFromAmong("default", "host", "none");
        var pull = new Option<bool>("--pull") { Description = "Always attempt to pull all referenced images" };
        var noCache = new Option<bool>("--no-cache") { Description = "Do not use cache when building the image" };
        var outputs = new Option<string?>("--output", "-o") { Description = "Output destination (format: type=local,dest=path; types image, docker, oci, tar, local)" };
        var secrets = Cli.Repeatable("Secret to expose to the build (format: id=mysecret[,src=/local/secret|,env=VAR])", "--secret");
        var cacheFrom = Cli.Repeatable("External cache sources (format: type=local,src=path | type=registry,ref=name:tag | name:tag)", "--cache-from");
        var cacheTo = Cli.Repeatable("Cache export destinations (format: type=local,dest=path[,mode=min|max] | type=registry,ref=name:tag[,mode=min|max])", "--cache-to");
        var context = new Argument<string>("PATH") { Description = "The build context directory, or - for a tar archive on stdin" };
        var registry = new RegistryOptions();
        var command = new Command("build", "Build an image from a Dockerfile")
        {
            check, file, format, buildArgs, tags, target, labels, platform, iidfile, quiet, progress, network, pull, noCache, secrets, outputs, cacheFrom, cacheTo, context,
        };
        registry.AddTo(command);
        Cli.AllowFlagLikeTokens(context); // "-" is the context on stdin
        Cli.HandlesSignals.Add(command);
        return command.WithAction(async (result, cancellationToken) =>
        {
            var args = ParseBuildArgs(result.GetValue(buildArgs) ?? []);
            if (result.GetValue(check))
            {
                var request = new BuildCheckRequest(result.GetValue(context)!, result.GetValue(file)) { BuildArgs = args };
                var report = await new DockerfileChecker().CheckAsync(request, cancellationToken);
                if (result.GetValue(format) == "json") Cli.Out.WriteLine(report.ToJson());
                else (report.Error is null ? Cli.Out : Cli.Error).Write(report.ToText());
                return report.ExitCode;
            }
            if (result.GetValue(platform) is { } wanted && !Platform.Host.Matches(Platform.Parse(wanted)))
                throw new InvalidInputException($"--platform {wanted}: only this host's platform ({Platform.Host}) can be built");
            var options = new BuildOptions
            {
                Dockerfile = "",
                BuildArgs = args,
                Target = result.GetValue(target),
                Labels = ParsePairs(result.GetValue(labels) ?? []),
                NoCache = result.GetValue(noCache),
                Pull = result.GetValue(pull),
                Network = result.GetValue(network)!,
                Secrets = BuildSecrets.Parse(result.GetValue(secrets) ?? []),
                CacheFrom = (result.GetValue(cacheFrom) ?? []).Select(CacheImportSpec.Parse).ToList(),
                CacheTo = (result.GetValue(cacheTo) ?? []).Select(CacheExportSpec.Parse).ToList(),
                SourceDateEpoch = args.TryGetValue("SOURCE_DATE_EPOCH", out var sde) && long.TryParse(sde, out var epoch) ? epoch
                    : long.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), out var env) ? env : null,
            };
            var output = result.GetValue(outputs) is { } o ? BuildOutput.Parse(o) : null;
            string mode = ProgressMode(result, progress);
            bool isQuiet = result.GetValue(quiet) || mode == "quiet";
            using var tty = !isQuiet && mode == "tty" ? new TtyProgress(Cli.Error, () => Terminal.Size(2), Environment.GetEnvironmentVariable("NO_COLOR") is null or "") : null;
            IBuildProgress display = isQuiet ? NullProgress.Instance : tty ?? (IBuildProgress)new PlainProgress(Cli.Error);
            var engine = Cli.Engine(result);
            var source = new BuildSource(result.GetValue(context)!, result.GetValue(file));

            // Ctrl-C and SIGTERM cancel the build; the steps then stop their containers and release their mounts.
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var registrations = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }
                .Select(s => PosixSignalRegistration.Create(s, c => { c.Cancel = true; cancel.Cancel(); })).ToList();
            BuildResult built;
            try
            {
                built = await new BuildService(engine, registry.Read(result))
                    .BuildAsync(source, options, result.GetValue(tags) ?? [], display, Console.OpenStandardInput(), cancel.Token);
            }
            catch (BuildStepException e)
            {
                tty?.Dispose(); // the final frame comes before the error's output
                if (!isQuiet)
                {
                    Cli.Error.WriteLine("------");
                    Cli.Error.WriteLine($" > {e.StepName}:");
                    foreach (var line in e.OutputTail) Cli.Error.WriteLine(line);
                    Cli.Error.WriteLine("------");
                }
                throw new KistException("failed to solve: " + e.Message);
            }
            finally
            {
                tty?.Dispose();
                foreach (var r in registrations) r.Dispose();
            }
            if (output is not null) await output.WriteAsync(engine, built.ImageId, Console.OpenStandardOutput, cancellationToken);
            if (result.GetValue(iidfile) is { Length: > 0 } iid) await File.WriteAllTextAsync(iid, built.ImageId.ToString(), cancellationToken);
            if (isQuiet) Cli.Out.WriteLine(built.ImageId.ToString());
            return 0;
        });
    }

    /// <summary>
    /// <c>--progress</c> (else <c>BUILDKIT_PROGRESS</c>, as docker reads it): <c>auto</c> is the redrawn tty display when
    /// stderr is a terminal (not <c>TERM=dumb</c>), else plain lines; <c>tty</c> draws frames even into a pipe, as docker does.
    /// </summary>
    private static string ProgressMode(ParseResult result, Option<string> progress)
    {
        string mode = result.GetValue(progress)!;
        string? fromEnvironment = Environment.GetEnvironmentVariable("BUILDKIT_PROGRESS");
        if (result.GetResult(progress) is null or { Implicit: true } && fromEnvironment is "plain" or "tty" or "quiet" or "auto")
            mode = fromEnvironment;
        if (mode != "auto") return mode;
        return Terminal.IsTerminal(2) && Environment.GetEnvironmentVariable("TERM") != "dumb" ? "tty" : "plain";
    }

    /// <summary><c>--build-arg K=V</c>; a bare <c>K</c> takes the caller's environment variable, as docker does.</summary>
    private static Dictionary<string, string> ParseBuildArgs(IEnumerable<string> values)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var arg in values)
        {
            var eq = arg.IndexOf('=');
            if (eq > 0) args[arg[..eq]] = arg[(eq + 1)..];
            else if (Environment.GetEnvironmentVariable(arg) is { } fromEnvironment) args[arg] = fromEnvironment;
        }
        return args;
    }

    private static Dictionary<string, string> ParsePairs(IEnumerable<string> values)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var eq = value.IndexOf('=');
            pairs[eq < 0 ? value : value[..eq]] = eq < 0 ? "" : value[(eq + 1)..];
        }
        return pairs;
    }
}
