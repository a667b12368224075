using Kist.Oci;

namespace Kist.Cli;

/// <summary>The exit codes of docker's CLI: 1 for a failed command, 125 for a command line it could not parse.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 125;
    public const int Interrupted = 130;

    /// <summary>One line for the user: Kist's own errors say what went wrong; system errors say it too.</summary>
    public static string Describe(Exception e) => e switch
    {
        KistException => e.Message,
        UnauthorizedAccessException => $"permission denied: {e.Message}",
        IOException => e.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
