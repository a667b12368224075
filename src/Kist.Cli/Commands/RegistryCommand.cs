using System.CommandLine;
using System.Runtime.InteropServices;

namespace Kist.Cli.Commands;

/// <summary>
/// <c>kist registry serve|gc</c> runs <c>kist-registry</c>, which sits beside kist (or on PATH), with the same
/// arguments in this process's place (exec: same pid, signals and exit code). The registry server is built on
/// ASP.NET Core, and kept in kist it cost every kist command ~1.5 ms of start-up.
/// </summary>
internal static partial class RegistryCommand
{
    public const string Name = "registry";
    private const string Binary = "kist-registry";

    /// <summary>The entry of kist's help; a command line that names it never gets parsed by kist (<see cref="Execute"/>).</summary>
    public static Command Create() => new(Name, "Run an OCI distribution registry (serve, gc)") { TreatUnmatchedTokensAsErrors = false };

    /// <summary>Executes kist-registry with <paramref name="args"/> less the command's name; returns only on failure.</summary>
    public static int Execute(IReadOnlyList<string> args, int nameIndex)
    {
        if (Locate() is not { } binary)
        {
            Cli.Error.WriteLine($"Error: {Binary} not found beside {Environment.ProcessPath} or on PATH: build it with scripts/build.sh");
            return ExitCodes.Failure;
        }
        string?[] argv = [binary, .. args.Take(nameIndex), .. args.Skip(nameIndex + 1), null];
        Execv(binary, argv);
        Cli.Error.WriteLine($"Error: cannot run {binary}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        return ExitCodes.Failure;
    }

    private static string? Locate()
    {
        string beside = Path.Combine(AppContext.BaseDirectory, Binary);
        if (File.Exists(beside)) return beside;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, Binary);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    [LibraryImport("libc", EntryPoint = "execv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Execv(string path, string?[] argv);
}
