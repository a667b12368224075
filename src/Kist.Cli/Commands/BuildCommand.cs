using System.CommandLine;
using Kist.Engine.Build;
using Kist.Oci;

namespace Kist.Cli.Commands;

/// <summary>
/// <c>kist build [--check] [-f FILE] [--format text|json] [--build-arg K=V]… [DIR]</c>. With <c>--check</c> the
/// Dockerfile is parsed and linted (BuildKit's rules); warnings exit 0, errors (a parse error, or findings under
/// <c># check=error=true</c>) exit 1.
/// </summary>
internal static class BuildCommand
{
    public static Command Create()
    {
        var check = new Option<bool>("--check") { Description = "Check the Dockerfile (parse and lint) without building" };
        var file = new Option<string?>("--file", "-f") { Description = "Name of the Dockerfile (default: PATH/Dockerfile)" };
        var format = new Option<string>("--format")
        {
            Description = "Output format of --check: text or json",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json");
        var buildArgs = new Option<string[]>("--build-arg") { Description = "Set build-time variables" };
        var context = new Argument<string>("PATH") { Description = "The build context directory" };
        var command = new Command("build", "Build an image from a Dockerfile") { check, file, format, buildArgs, context };
        return command.WithAction(async (result, cancellationToken) =>
        {
            if (!result.GetValue(check))
                throw new KistException("building images is not available yet; use 'kist build --check' to check a Dockerfile");
            var args = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var arg in result.GetValue(buildArgs) ?? [])
            {
                var eq = arg.IndexOf('=');
                if (eq > 0) args[arg[..eq]] = arg[(eq + 1)..];
                else if (Environment.GetEnvironmentVariable(arg) is { } fromEnvironment) args[arg] = fromEnvironment;
            }
            var request = new BuildCheckRequest(result.GetValue(context)!, result.GetValue(file)) { BuildArgs = args };
            var report = await new DockerfileChecker().CheckAsync(request, cancellationToken);
            if (result.GetValue(format) == "json")
            {
                Cli.Out.WriteLine(report.ToJson());
            }
            else
            {
                var text = report.ToText();
                (report.Error is null ? Cli.Out : Cli.Error).Write(text);
            }
            return report.ExitCode;
        });
    }
}
