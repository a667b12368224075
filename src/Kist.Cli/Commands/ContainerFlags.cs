using System.CommandLine;
using Kist.Engine.Containers;
using Kist.Oci;
using Kist.Runtime.Spec;

namespace Kist.Cli.Commands;

/// <summary>The flags <c>run</c> and <c>create</c> share, and the request they make.</summary>
internal sealed class ContainerFlags
{
    public readonly Option<string?> Name = new("--name") { Description = "Assign a name to the container" };
    public readonly Option<string[]> Env = Cli.Repeatable("Set environment variables", "--env", "-e");
    public readonly Option<string[]> EnvFile = Cli.Repeatable("Read in a file of environment variables", "--env-file");
    public readonly Option<string[]> Volume = Cli.Repeatable("Bind mount a volume", "--volume", "-v");
    public readonly Option<string[]> Tmpfs = Cli.Repeatable("Mount a tmpfs directory", "--tmpfs");
    public readonly Option<string?> Workdir = new("--workdir", "-w") { Description = "Working directory inside the container" };
    public readonly Option<string?> User = new("--user", "-u") { Description = "Username or UID (format: <name|uid>[:<group|gid>])" };
    public readonly Option<string?> Entrypoint = new("--entrypoint") { Description = "Overwrite the default ENTRYPOINT of the image" };
    /// <summary>docker's <c>-h</c> too: in <c>run</c> and <c>create</c> it is not help (see <see cref="CommandCatalog.Root"/>).</summary>
    public readonly Option<string?> Hostname = new("--hostname", "-h") { Description = "Container host name" };
    public readonly Option<bool> ReadOnly = new("--read-only") { Description = "Mount the container's root filesystem as read only" };
    public readonly Option<bool> Init = new("--init") { Description = "Run an init inside the container that forwards signals and reaps processes" };
    public readonly Option<string?> Network = new("--network", "--net") { Description = "Connect a container to a network (none, host, bridge)" };
    public readonly Option<string[]> Publish = Cli.Repeatable("Publish a container's port(s) to the host", "--publish", "-p");
    public readonly Option<string?> Memory = new("--memory", "-m") { Description = "Memory limit" };
    public readonly Option<string?> Cpus = new("--cpus") { Description = "Number of CPUs" };
    public readonly Option<long?> PidsLimit = new("--pids-limit") { Description = "Tune container pids limit (set -1 for unlimited)" };
    public readonly Option<string[]> CapAdd = Cli.Repeatable("Add Linux capabilities", "--cap-add");
    public readonly Option<string[]> CapDrop = Cli.Repeatable("Drop Linux capabilities", "--cap-drop");
    public readonly Option<bool> Privileged = new("--privileged") { Description = "Give extended privileges to this container" };
    public readonly Option<string[]> SecurityOpt = Cli.Repeatable("Security Options", "--security-opt");
    public readonly Option<string?> StopSignal = new("--stop-signal") { Description = "Signal to stop the container" };
    public readonly Option<int?> StopTimeout = new("--stop-timeout") { Description = "Timeout (in seconds) to stop a container" };
    public readonly Option<string[]> Label = Cli.Repeatable("Set meta data on a container", "--label", "-l");
    public readonly Option<bool> Rm = new("--rm") { Description = "Automatically remove the container when it exits" };
    public readonly Option<bool> Interactive = new("--interactive", "-i") { Description = "Keep STDIN open even if not attached" };
    public readonly Option<bool> Tty = new("--tty", "-t") { Description = "Allocate a pseudo-TTY" };
    public readonly Option<string?> Runtime = new("--runtime") { Description = "Runtime to use for this container (runc, crun or a path)" };
    public readonly Option<string?> ShmSize = new("--shm-size") { Description = "Size of /dev/shm" };
    public readonly Option<string[]> Ulimit = Cli.Repeatable("Ulimit options (NAME=SOFT[:HARD])", "--ulimit");
    public readonly Option<string> Pull = new("--pull")
    {
        Description = "Pull image before running (\"always\", \"missing\", \"never\")",
        DefaultValueFactory = _ => "missing",
    };
    public readonly Argument<string> Image = new("IMAGE");
    public readonly Argument<string[]> Command = new("COMMAND") { CustomParser = Cli.Values, DefaultValueFactory = _ => [], Arity = ArgumentArity.ZeroOrMore, Description = "The command and its arguments" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[]
        {
            Name, Env, EnvFile, Volume, Tmpfs, Workdir, User, Entrypoint, Hostname, ReadOnly, Init, Network, Publish, Memory, Cpus,
            PidsLimit, CapAdd, CapDrop, Privileged, SecurityOpt, StopSignal, StopTimeout, Label, Rm, Interactive, Tty, Runtime, ShmSize, Pull, Ulimit,
        })
        {
            command.Options.Add(option);
        }
        command.Arguments.Add(Image);
        command.Arguments.Add(Command);
        Cli.AllowFlagLikeTokens(Command);
    }

    public CreateRequest Request(ParseResult result)
    {
        var env = new List<string>();
        foreach (var file in result.GetValue(EnvFile) ?? [])
        {
            string[] lines;
            try { lines = File.ReadAllLines(file); }
            catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw new InvalidInputException($"open {file}: no such file or directory"); }
            catch (IOException e) { throw new InvalidInputException($"open {file}: {e.Message}"); }
            env.AddRange(ContainerEnvironment.ParseEnvFile(lines, Environment.GetEnvironmentVariable));
        }
        foreach (var e in result.GetValue(Env) ?? [])
        {
            if (ContainerEnvironment.FromFlag(e, Environment.GetEnvironmentVariable) is { } v) env.Add(v);
        }
        return new CreateRequest
        {
            Image = result.GetValue(Image)!,
            Cmd = result.GetValue(Command) ?? [],
            Name = result.GetValue(Name),
            Entrypoint = result.GetValue(Entrypoint),
            Env = env,
            User = result.GetValue(User),
            WorkingDir = result.GetValue(Workdir),
            Hostname = result.GetValue(Hostname),
            Tty = result.GetValue(Tty),
            OpenStdin = result.GetValue(Interactive),
            Volumes = result.GetValue(Volume) ?? [],
            Tmpfs = result.GetValue(Tmpfs) ?? [],
            ReadOnly = result.GetValue(ReadOnly),
            Init = result.GetValue(Init),
            NetworkMode = result.GetValue(Network) ?? "bridge",
            Publish = result.GetValue(Publish) ?? [],
            Memory = result.GetValue(Memory),
            Cpus = result.GetValue(Cpus),
            PidsLimit = result.GetValue(PidsLimit),
            CapAdd = result.GetValue(CapAdd) ?? [],
            CapDrop = result.GetValue(CapDrop) ?? [],
            Privileged = result.GetValue(Privileged),
            SecurityOpt = result.GetValue(SecurityOpt) ?? [],
            StopSignal = result.GetValue(StopSignal),
            StopTimeout = result.GetValue(StopTimeout),
            Labels = result.GetValue(Label) ?? [],
            AutoRemove = result.GetValue(Rm),
            Runtime = result.GetValue(Runtime) ?? "runc",
            ShmSize = result.GetValue(ShmSize),
            Ulimits = result.GetValue(Ulimit) ?? [],
        };
    }

    /// <summary>
    /// Inserts <c>--</c> after the image of <c>run</c>/<c>create</c> so that the container's own arguments
    /// (<c>kist run busybox ls -l</c>) are never read as Kist's flags, as docker stops at the image. The flags that take
    /// a value (to be skipped over) are those of the command as <paramref name="root"/> has it.
    /// </summary>
    public static string[] SplitCommand(string[] args, Command root)
    {
        int i = 0;
        // Global flags and the command path (`run`, `create`, `container run`, `container create`).
        while (i < args.Length)
        {
            string a = args[i];
            if (a == "--root") { i += 2; continue; }
            if (a.StartsWith("--root=", StringComparison.Ordinal) || a is "--debug" or "-D") { i++; continue; }
            if (a == "container") { i++; continue; }
            break;
        }
        if (i >= args.Length || args[i] is not ("run" or "create")) return args;
        var command = Find(root, args[i]) ?? (Find(root, "container") is { } container ? Find(container, args[i]) : null);
        if (command is null) return args;
        var valueNames = command.Options.Where(o => o.ValueType != typeof(bool)).SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        for (i++; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--") return args;
            if (a.StartsWith('-') && a.Length > 1)
            {
                if (a.Contains('=')) continue;
                if (valueNames.Contains(a)) { i++; continue; }
                // Bundled short flags such as -it or -dit: a value option at the end takes the next token.
                if (!a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2 && valueNames.Contains("-" + a[^1])) i++;
                continue;
            }
            // The image: everything after it belongs to the container.
            if (i + 1 >= args.Length) return args;
            return [.. args[..(i + 1)], "--", .. args[(i + 1)..]];
        }
        return args;
    }

    private static Command? Find(Command parent, string name) => parent.Subcommands.FirstOrDefault(c => c.Name == name);
}
