namespace Kist.Runtime.Execution;

/// <summary>What the OCI runtime said when it failed, and docker's exit code for it (125, 126 or 127).</summary>
public static class RuntimeError
{
    /// <summary>The message of runc's logrus line (<c>time=… level=error msg="…"</c>), or the text as it is.</summary>
    public static string Message(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var line in lines.Reverse())
        {
            int at = line.IndexOf("msg=\"", StringComparison.Ordinal);
            if (at < 0) continue;
            string msg = line[(at + 5)..];
            int end = msg.LastIndexOf('"');
            if (end >= 0) msg = msg[..end];
            return msg.Replace("\\\"", "\"").Replace("\\\\", "\\");
        }
        return string.Join(' ', lines);
    }

    /// <summary>docker's rule: a command that cannot be found is 127, one that cannot be invoked 126, anything else 125.</summary>
    public static int ExitCode(string message)
    {
        bool exec = message.Contains("exec: ", StringComparison.Ordinal) || message.Contains("exec format error", StringComparison.Ordinal);
        if (!exec) return 125;
        if (message.Contains("executable file not found", StringComparison.Ordinal) || message.Contains("no such file or directory", StringComparison.OrdinalIgnoreCase))
            return 127;
        if (message.Contains("permission denied", StringComparison.OrdinalIgnoreCase) || message.Contains("is a directory", StringComparison.Ordinal)
            || message.Contains("exec format error", StringComparison.Ordinal) || message.Contains("not a directory", StringComparison.Ordinal))
            return 126;
        return 125;
    }
}
