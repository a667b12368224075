using System.Diagnostics;

namespace Kist.Registry.Server.Tests.Support;

public sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}

/// <summary>Runs peer tools (docker, skopeo, htpasswd). A missing tool fails the test: CI installs them.</summary>
public static class Tools
{
    public static string Require(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        throw new Xunit.Sdk.XunitException($"{name} is not installed; the registry integration tests need it (apt-get install docker.io skopeo apache2-utils busybox-static)");
    }

    public static async Task<ToolResult> RunAsync(string tool, IEnumerable<string> args, string? stdin = null, IDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(Require(tool))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{tool} {string.Join(' ', args)} timed out");
        }
        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }

    public static async Task<ToolResult> RunOkAsync(string tool, IEnumerable<string> args, string? stdin = null, IDictionary<string, string>? env = null)
    {
        var result = await RunAsync(tool, args, stdin, env);
        if (result.ExitCode != 0) throw new Xunit.Sdk.XunitException($"{tool} {string.Join(' ', args)} exited {result.ExitCode}: {result.Output}");
        return result;
    }

    /// <summary>A tar of a one-binary rootfs: <c>/bin/busybox</c> (static) and <c>/bin/sh</c> pointing at it.</summary>
    public static async Task<string> BusyboxRootfsTarAsync(TempDir dir)
    {
        const string busybox = "/bin/busybox";
        if (!File.Exists(busybox)) throw new Xunit.Sdk.XunitException("/bin/busybox is missing (apt-get install busybox-static)");
        var root = dir.Combine("rootfs");
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        File.Copy(busybox, Path.Combine(root, "bin", "busybox"));
        File.CreateSymbolicLink(Path.Combine(root, "bin", "sh"), "busybox");
        await File.WriteAllTextAsync(Path.Combine(root, "nonce"), Guid.NewGuid().ToString());
        var tar = dir.Combine("rootfs.tar");
        await RunOkAsync("tar", ["-C", root, "-cf", tar, "."]);
        return tar;
    }
}
