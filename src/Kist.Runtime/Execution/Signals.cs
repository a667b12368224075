using Kist.Oci;

namespace Kist.Runtime.Execution;

/// <summary>Signal names and numbers (x86-64/arm64 Linux) as docker accepts them: "SIGTERM", "TERM", "15".</summary>
public static class Signals
{
    private static readonly string[] Names =
    [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM",
        "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGTERM = 15;

    public static int Parse(string signal)
    {
        string s = signal.Trim().ToUpperInvariant();
        if (int.TryParse(s, out int n) && n > 0 && n <= 64) return n;
        if (s.StartsWith("SIG", StringComparison.Ordinal)) s = s[3..];
        int index = Array.IndexOf(Names, s);
        if (index > 0) return index;
        if (s.StartsWith("RTMIN", StringComparison.Ordinal) || s.StartsWith("RTMAX", StringComparison.Ordinal))
        {
            int offset = s.Length > 5 && int.TryParse(s[5..], out int o) ? o : 0;
            return s.StartsWith("RTMIN", StringComparison.Ordinal) ? 34 + offset : 64 + offset;
        }
        if (s == "IOT") return 6;
        throw new InvalidInputException($"Invalid signal: {signal}");
    }
}
