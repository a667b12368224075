using System.CommandLine;
using Kist.Oci;
using Kist.Runtime.Exec;
using Kist.Runtime.Spec;

namespace Kist.Cli.Commands;

/// <summary>
/// <c>kist exec</c>: run a command in a running container. The command's exit code is exec's; a command the runtime
/// cannot start is docker's 126 ("OCI runtime exec failed"); a container that is not running is 1.
/// </summary>
internal static class ExecCommand
{
    private static readonly string[] ValueFlags = ["-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir", "--detach-keys"];

    public static Command Create(string name = "exec")
    {
        var interactive = new Option<bool>("--interactive", "-i") { Description = "Keep STDIN open even if not attached" };
        var tty = new Option<bool>("--tty", "-t") { Description = "Allocate a pseudo-TTY" };
        var detach = new Option<bool>("--detach", "-d") { Description = "Detached mode: run command in the background" };
        var env = Cli.Repeatable("Set environment variables", "--env", "-e");
        var envFile = Cli.Repeatable("Read in a file of environment variables", "--env-file");
        var user = new Option<string?>("--user", "-u") { Description = "Username or UID (format: \"<name|uid>[:<group|gid>]\")" };
        var workdir = new Option<string?>("--workdir", "-w") { Description = "Working directory inside the container" };
        var privileged = new Option<bool>("--privileged") { Description = "Give extended privileges to the command" };
        var detachKeys = new Option<string?>("--detach-keys") { Description = "Override the key sequence for detaching a container (accepted, unused)" };
        var container = new Argument<string>("CONTAINER");
        var command = new Argument<string[]>("COMMAND") { CustomParser = Cli.Values, Arity = ArgumentArity.OneOrMore, Description = "The command and its arguments" };
        var exec = new Command(name, "Execute a command in a running container")
        {
            interactive, tty, detach, env, envFile, user, workdir, privileged, detachKeys, container, command,
        };
        Cli.AllowFlagLikeTokens(command);
        Cli.HandlesSignals.Add(exec);
        return exec.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            var variables = new List<string>();
            try
            {
                foreach (var file in result.GetValue(envFile) ?? [])
                {
                    string[] lines;
                    try { lines = File.ReadAllLines(file); }
                    catch (IOException e) { throw new InvalidInputException($"open {file}: {e.Message}"); }
                    variables.AddRange(ContainerEnvironment.ParseEnvFile(lines, Environment.GetEnvironmentVariable));
                }
                foreach (var e in result.GetValue(env) ?? [])
                    if (ContainerEnvironment.FromFlag(e, Environment.GetEnvironmentVariable) is { } v) variables.Add(v);
            }
            catch (KistException e)
            {
                Cli.Error.WriteLine("Error: " + e.Message);
                return ExitCodes.Usage;
            }
            var request = new ExecRequest
            {
                Cmd = result.GetValue(command)!,
                Env = variables,
                User = result.GetValue(user),
                WorkingDir = result.GetValue(workdir),
                Privileged = result.GetValue(privileged),
                Tty = result.GetValue(tty),
                Stdin = result.GetValue(interactive),
                Detach = result.GetValue(detach),
            };
            Kist.Runtime.Monitor.RunOutcome outcome;
            try
            {
                var record = engine.Containers.Find(result.GetValue(container)!);
                outcome = await new ContainerExecutor(engine.Containers.Runtime).ExecAsync(record, request, cancellationToken);
            }
            catch (InvalidInputException e)
            {
                // docker: a user that cannot be resolved is the exec's failure to start (126), reported on stdout as docker does.
                Cli.Out.WriteLine(e.Message);
                return 126;
            }
            catch (KistException e)
            {
                Cli.Error.WriteLine("Error response from daemon: " + e.Message);
                return ExitCodes.Failure;
            }
            if (outcome.Failed)
            {
                // docker's CLI prints the runtime's failure on stdout.
                Cli.Out.WriteLine($"OCI runtime exec failed: {outcome.Error}: unknown");
                return 126;
            }
            return outcome.ExitCode;
        });
    }

    /// <summary>
    /// Inserts <c>--</c> after the container of <c>exec</c> so that the command's own flags (<c>kist exec c ls -l</c>)
    /// are never read as Kist's, as docker stops at the container.
    /// </summary>
    public static string[] SplitCommand(string[] args)
    {
        int i = 0;
        while (i < args.Length)
        {
            string a = args[i];
            if (a == "--root") { i += 2; continue; }
            if (a.StartsWith("--root=", StringComparison.Ordinal) || a is "--debug" or "-D" or "container") { i++; continue; }
            break;
        }
        if (i >= args.Length || args[i] != "exec") return args;
        for (i++; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--") return args;
            if (a.StartsWith('-') && a.Length > 1)
            {
                if (a.Contains('=')) continue;
                if (ValueFlags.Contains(a)) { i++; continue; }
                if (!a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2 && ValueFlags.Contains("-" + a[^1])) i++;
                continue;
            }
            if (i + 1 >= args.Length) return args;
            return [.. args[..(i + 1)], "--", .. args[(i + 1)..]];
        }
        return args;
    }
}
