using System.Globalization;

namespace Kist.Runtime.State;

/// <summary>
/// The exit codes of removed containers, kept for their waiters. A <c>wait</c> marks itself in
/// <c>.waiting/ID.PID.N</c> before it first reads the container's state; a removal that, once the container has left
/// the store, finds a mark leaves <c>.exit-ID</c> behind for ten minutes. So a waiter marked in time learns the code,
/// and one marked later finds no container. Without a waiter a removal writes nothing: a file made for every
/// <c>--rm</c> container and swept later cost a run ~2 ms on a file system that discards the blocks it frees.
/// </summary>
internal sealed class ContainerWaiters(string root)
{
    private static int s_sequence;

    private string MarksDirectory => Path.Combine(root, ".waiting");
    private string ExitCodeFile(string id) => Path.Combine(root, ".exit-" + id);

    /// <summary>Marks this process as waiting for the container until the mark is disposed.</summary>
    public IDisposable Mark(string id)
    {
        Directory.CreateDirectory(MarksDirectory);
        string mark = Path.Combine(MarksDirectory, $"{id}.{Environment.ProcessId}.{Interlocked.Increment(ref s_sequence)}");
        File.WriteAllBytes(mark, []);
        return new WaiterMark(mark);
    }

    /// <summary>Whether anyone has marked itself as waiting for the container.</summary>
    public bool AnyFor(string id) => Directory.Exists(MarksDirectory) && Directory.EnumerateFiles(MarksDirectory, id + ".*").Any();

    /// <summary>After the container has left the store: keeps its exit code if anyone waits for it.</summary>
    public void Removed(string id, Func<int?> exitCode)
    {
        Sweep();
        if (!AnyFor(id)) return;
        if (exitCode() is not { } code) return;
        string path = ExitCodeFile(id);
        File.WriteAllText(path + ".tmp", code.ToString(CultureInfo.InvariantCulture));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The exit code a removed container left behind, or null (never existed, nobody waited, or long ago).</summary>
    public int? LastExitCode(string id)
    {
        if (id.Length != 64 || id.Contains('/')) return null;
        try { return int.TryParse(File.ReadAllText(ExitCodeFile(id)), out int code) ? code : null; }
        catch (IOException) { return null; }
    }

    /// <summary>At most once a minute: exit codes older than ten minutes, and marks of waiters that died.</summary>
    private void Sweep()
    {
        string swept = Path.Combine(root, ".swept-exits");
        if (File.GetLastWriteTimeUtc(swept) >= DateTime.UtcNow.AddMinutes(-1)) return;
        File.WriteAllBytes(swept, []);
        foreach (var old in new DirectoryInfo(root).EnumerateFiles(".exit-*"))
        {
            if (old.LastWriteTimeUtc < DateTime.UtcNow.AddMinutes(-10)) old.Delete();
        }
        if (!Directory.Exists(MarksDirectory)) return;
        foreach (var mark in Directory.EnumerateFiles(MarksDirectory))
        {
            string[] parts = Path.GetFileName(mark).Split('.');
            if (parts.Length == 3 && !Directory.Exists("/proc/" + parts[1])) File.Delete(mark);
        }
    }

    private sealed class WaiterMark(string path) : IDisposable
    {
        public void Dispose() => File.Delete(path);
    }
}
