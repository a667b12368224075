using System.Diagnostics;

namespace Kist.Cli.Tests.EndToEnd;

public sealed record RunResult(int ExitCode, string Stdout, string Stderr)
{
    public RunResult ShouldSucceed()
    {
        Assert.True(ExitCode == 0, $"exit code {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}");
        return this;
    }

    public IReadOnlyList<string> Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Runs real programs: the <c>kist</c> binary under test and the peer tools (docker, skopeo).</summary>
public static class KistProcess
{
    /// <summary>
    /// The binary under test: <c>KIST_BINARY</c> (CI points it at the Native AOT build), else the
    /// apphost built next to these tests.
    /// </summary>
    public static string KistBinary { get; } = Environment.GetEnvironmentVariable("KIST_BINARY") is { Length: > 0 } path
        ? Path.GetFullPath(path)
        : Path.Combine(AppContext.BaseDirectory, "kist");

    public static Task<RunResult> KistAsync(string root, params string[] args) =>
        RunAsync(KistBinary, ["--root", root, .. args]);

    public static Task<RunResult> KistWithInputAsync(string root, Stream stdin, params string[] args) =>
        RunAsync(KistBinary, ["--root", root, .. args], stdin);

    /// <summary>Runs kist with extra environment variables (<c>DOCKER_CONFIG</c> for a private credential store).</summary>
    public static Task<RunResult> KistWithEnvironmentAsync(string root, IReadOnlyDictionary<string, string> environment, Stream? stdin, params string[] args) =>
        RunAsync(KistBinary, ["--root", root, .. args], stdin, environment: environment);

    public static async Task<RunResult> RunAsync(string program, IEnumerable<string> args, Stream? stdin = null, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            try
            {
                await stdin.CopyToAsync(process.StandardInput.BaseStream);
            }
            catch (IOException)
            {
                // The program stopped reading (it rejected its input, or exited first): its exit code tells why.
            }
        }
        try { process.StandardInput.Close(); }
        catch (IOException) { /* closing flushes into a pipe the program may have closed already */ }
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in time");
        }
        return new RunResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a peer tool that the CI script installs; a missing tool fails the test, it never skips it.</summary>
    public static async Task<RunResult> ToolAsync(string program, params string[] args)
    {
        try
        {
            return await RunAsync(program, args);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{program} is not installed: run .ci/run or scripts/setup.sh first", e);
        }
    }
}
