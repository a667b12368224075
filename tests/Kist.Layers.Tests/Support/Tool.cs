using System.Diagnostics;

namespace Kist.Layers.Tests.Support;

/// <summary>Runs a peer tool; a missing tool or a failure is a test failure, never a skip.</summary>
public static class Tool
{
    public static string Run(string file, params string[] args) => RunIn(null, file, args);

    public static string RunIn(string? cwd, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (cwd != null) psi.WorkingDirectory = cwd;
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception ex) { throw new InvalidOperationException($"{file} is not installed: {ex.Message}"); }
        using (p)
        {
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}");
            return stdout;
        }
    }
}
