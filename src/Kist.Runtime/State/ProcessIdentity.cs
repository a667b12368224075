namespace Kist.Runtime.State;

/// <summary>A process by pid and start time (from /proc/PID/stat), so that a reused pid is not mistaken for it.</summary>
public sealed record ProcessIdentity(int Pid, long StartTime)
{
    public static ProcessIdentity Current { get; } = Of(Environment.ProcessId) ?? new ProcessIdentity(Environment.ProcessId, 0);

    public static ProcessIdentity? Of(int pid) => StartTimeOf(pid) is { } start ? new ProcessIdentity(pid, start) : null;

    /// <summary>True while the same process is alive (a zombie counts as gone).</summary>
    public bool IsAlive() => StartTimeOf(Pid, allowZombie: false) == StartTime;

    /// <summary>Field 22 of /proc/PID/stat (after the parenthesised command name, which may contain spaces).</summary>
    public static long? StartTimeOf(int pid, bool allowZombie = true)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        int close = text.LastIndexOf(')');
        if (close < 0) return null;
        var fields = text[(close + 2)..].Split(' ');
        if (fields.Length < 20) return null;
        if (!allowZombie && fields[0] is "Z" or "X") return null;
        return long.TryParse(fields[19], out long start) ? start : null;
    }
}
