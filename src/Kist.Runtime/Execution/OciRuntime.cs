using System.Diagnostics;
using Kist.Oci;

namespace Kist.Runtime.Execution;

/// <summary>
/// The low-level OCI runtime (<c>runc</c> by default, or <c>crun</c>, or a path), always a child process. Its
/// state lives under <c>ROOT/runtime/NAME</c> so that Kist's containers never mix with docker's.
/// </summary>
public sealed class OciRuntime
{
    private OciRuntime(string name, string binary, string stateRoot)
    {
        Name = name;
        Binary = binary;
        StateRoot = stateRoot;
    }

    public string Name { get; }
    public string Binary { get; }
    public string StateRoot { get; }

    /// <summary>"runc", "crun" (found on PATH) or the path of a compatible runtime.</summary>
    public static OciRuntime Resolve(string nameOrPath, string kistRoot)
    {
        string binary = nameOrPath.Contains('/') ? Path.GetFullPath(nameOrPath) : FindOnPath(nameOrPath)
            ?? throw new InvalidInputException($"runtime \"{nameOrPath}\" not found: install it or pass --runtime PATH");
        if (!File.Exists(binary)) throw new InvalidInputException($"runtime {binary} does not exist");
        string name = Path.GetFileName(binary);
        return new OciRuntime(name, binary, Path.Combine(kistRoot, "runtime", name));
    }

    public static string? FindOnPath(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") is { Length: > 0 } p ? p : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        foreach (var dir in new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin", "/usr/local/sbin" })
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>
    /// <c>RUNTIME run</c> in the foreground, as a build's RUN step starts it: the runtime stays the container's parent
    /// and passes its exit code on. Without <paramref name="pidFile"/> the runtime writes none.
    /// </summary>
    public ProcessStartInfo Run(string id, string bundle, string? pidFile, bool redirectStdin, bool redirectOutput)
    {
        var info = Start(RunCommand(id, bundle, pidFile));
        info.RedirectStandardInput = redirectStdin;
        info.RedirectStandardOutput = redirectOutput;
        info.RedirectStandardError = redirectOutput;
        return info;
    }

    /// <summary><c>RUNTIME run</c>'s command line (the program, then its arguments), for a container's monitor's <see cref="SpawnedProcess"/>.</summary>
    public IReadOnlyList<string> RunArguments(string id, string bundle, string? pidFile) => [Binary, .. GlobalArguments, .. RunCommand(id, bundle, pidFile)];

    private static string[] RunCommand(string id, string bundle, string? pidFile) =>
        pidFile is null ? ["run", "--bundle", bundle, id] : ["run", "--bundle", bundle, "--pid-file", pidFile, id];

    public Task<(int ExitCode, string Error)> KillAsync(string id, int signal, CancellationToken cancellationToken = default) =>
        RunToEndAsync(["kill", id, signal.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken);

    public Task<(int ExitCode, string Error)> DeleteAsync(string id, bool force, CancellationToken cancellationToken = default) =>
        RunToEndAsync(force ? ["delete", "--force", id] : ["delete", id], cancellationToken);

    /// <summary>Freezes every process of the container (the cgroup freezer), as for <c>commit --pause</c>.</summary>
    public Task<(int ExitCode, string Error)> PauseAsync(string id, CancellationToken cancellationToken = default) =>
        RunToEndAsync(["pause", id], cancellationToken);

    public Task<(int ExitCode, string Error)> ResumeAsync(string id, CancellationToken cancellationToken = default) =>
        RunToEndAsync(["resume", id], cancellationToken);

    /// <summary>True when the runtime still knows the container (running, stopped or half-created).</summary>
    public bool Knows(string id) => Directory.Exists(Path.Combine(StateRoot, id));

    /// <summary>What comes before every command: kist's containers' state, apart from docker's.</summary>
    private string[] GlobalArguments => ["--root", StateRoot];

    private ProcessStartInfo Start(params string[] args)
    {
        var info = new ProcessStartInfo(Binary) { UseShellExecute = false };
        foreach (var a in (string[])[.. GlobalArguments, .. args]) info.ArgumentList.Add(a);
        return info;
    }

    private async Task<(int, string)> RunToEndAsync(string[] args, CancellationToken cancellationToken)
    {
        var info = Start(args);
        info.RedirectStandardError = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardInput = true;
        using var process = System.Diagnostics.Process.Start(info) ?? throw new KistException($"cannot start {Binary}");
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (process.ExitCode, RuntimeError.Message(await stderr.ConfigureAwait(false)));
    }
}
