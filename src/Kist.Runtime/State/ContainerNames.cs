namespace Kist.Runtime.State;

/// <summary>
/// The container names of one root: <c>containers/.names/NAME</c> is a link to <c>../ID</c>, so that a name is
/// checked or resolved with one readlink instead of a read of every container's record. Callers hold the names
/// lock while they change it. A link whose container is gone (a crash between two steps) counts as free.
/// </summary>
internal sealed class ContainerNames(string containersRoot, Func<string, ContainerRecord?> get, Func<IReadOnlyList<ContainerRecord>> list)
{
    private string Directory => Path.Combine(containersRoot, ".names");

    /// <summary>The container that holds the name, or null; null also when the index is missing (a root of an older kist).</summary>
    public ContainerRecord? Owner(string name) =>
        LinkedId(name) is { } id && get(id) is { } record && record.Name == name ? record : null;

    /// <summary>True when the index exists, so that a name missing from it is free.</summary>
    public bool Exists => System.IO.Directory.Exists(Directory);

    /// <summary>Builds the index from the records when the root has none yet (made by an older kist). Under the names lock.</summary>
    public void EnsureExists()
    {
        if (Exists) return;
        string building = Directory + ".tmp-" + Environment.ProcessId;
        if (System.IO.Directory.Exists(building)) System.IO.Directory.Delete(building, recursive: true);
        System.IO.Directory.CreateDirectory(building);
        foreach (var record in list()) Link(building, record);
        System.IO.Directory.Move(building, Directory);
    }

    /// <summary>Points the name at the container, replacing a stale link. Under the names lock, after <see cref="Owner"/>.</summary>
    public void Add(ContainerRecord record)
    {
        File.Delete(Path.Combine(Directory, record.Name));
        Link(Directory, record);
    }

    /// <summary>Frees the name if it still points at this container.</summary>
    public void Remove(ContainerRecord record)
    {
        if (LinkedId(record.Name) == record.Id) File.Delete(Path.Combine(Directory, record.Name));
    }

    /// <summary>The container ID the name links to, or null (no link, or no index: a root of an older kist).</summary>
    private string? LinkedId(string name)
    {
        try { return new FileInfo(Path.Combine(Directory, name)).LinkTarget is { } target ? Path.GetFileName(target) : null; }
        catch (IOException) { return null; }
    }

    private static void Link(string directory, ContainerRecord record) =>
        File.CreateSymbolicLink(Path.Combine(directory, record.Name), Path.Combine("..", record.Id));
}
