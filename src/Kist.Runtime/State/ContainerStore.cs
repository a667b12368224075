using System.Text.Json;
using Kist.Oci;
using Kist.Runtime.Bundle;

namespace Kist.Runtime.State;

/// <summary>
/// The containers of one root, one directory each: <c>ROOT/containers/ID/</c> holds <c>container.json</c> (the
/// record), <c>state.json</c>, <c>lock</c>, the rootfs mount point (<c>rootfs/</c>) and the log (<c>ID-json.log</c>);
/// the rest of the bundle of a running container (<c>config.json</c>, <c>hostname</c>, <c>hosts</c>,
/// <c>resolv.conf</c>) is on a tmpfs when there is one (<see cref="Bundles"/>). Names are unique under <c>.names.lock</c>, and
/// <c>.names/</c> maps each name to its container (<see cref="ContainerNames"/>); waiters for exit codes mark themselves
/// in <c>.waiting/</c> (<see cref="ContainerWaiters"/>).
/// </summary>
public sealed class ContainerStore
{
    private readonly ContainerNames _names;
    private readonly ContainerWaiters _waiters;

    public ContainerStore(string root)
    {
        Root = Path.Combine(root, "containers");
        _names = new ContainerNames(Root, Get, List);
        _waiters = new ContainerWaiters(Root);
        Bundles = new BundleLocation(Root, Directory);
    }

    /// <summary>Where the containers' bundles are while they run.</summary>
    public BundleLocation Bundles { get; }

    public string Root { get; }
    public string Directory(string id) => Path.Combine(Root, id);
    public string RecordFile(string id) => Path.Combine(Root, id, "container.json");
    public string StateFile(string id) => Path.Combine(Root, id, "state.json");
    public string RootfsDirectory(string id) => Path.Combine(Root, id, "rootfs");
    public string LogFile(string id) => Path.Combine(Root, id, id + "-json.log");
    private string NamesLock => Path.Combine(Root, ".names.lock");

    /// <summary>A removed container's directory, moved aside (<c>.removing-ID</c>) until it is deleted.</summary>
    private const string RemovingPrefix = ".removing-";

    /// <summary>Creates the container's directory with its record; refuses a name in use.</summary>
    public void Create(ContainerRecord record)
    {
        System.IO.Directory.CreateDirectory(Root);
        using var names = ContainerLock.Acquire(NamesLock);
        _names.EnsureExists();
        if (_names.Owner(record.Name) is { } other)
        {
            throw new ConflictException($"Conflict. The container name \"/{record.Name}\" is already in use by container \"{other.Id}\". You have to remove (or rename) that container to be able to reuse that name.");
        }
        string dir = Directory(record.Id);
        System.IO.Directory.CreateDirectory(dir);
        // No state file yet: a container without one is "created" (ReadState), one file fewer to make per container.
        AtomicFile.WriteDurably(RecordFile(record.Id), StateDocumentWriter.Record(record));
        _names.Add(record);
    }

    /// <summary>
    /// A name for a container created without one that no container holds (docker's six tries), or null. A container
    /// made with the same name meanwhile still makes <see cref="Create"/> refuse it.
    /// </summary>
    public string? GenerateFreeName(Random? random = null)
    {
        for (int retry = 0; retry < 6; retry++)
        {
            string name = NameGenerator.Generate(retry, random);
            if (_names.Owner(name) is null) return name;
        }
        return null;
    }

    /// <summary>
    /// The IDs of container directories that have had no record for longer than <paramref name="age"/>: left by a kist
    /// killed between making a container's directory and its record, which a start makes milliseconds apart.
    /// </summary>
    public IReadOnlyList<string> Abandoned(TimeSpan age)
    {
        if (!System.IO.Directory.Exists(Root)) return [];
        var before = DateTime.UtcNow - age;
        return System.IO.Directory.EnumerateDirectories(Root).Select(Path.GetFileName).OfType<string>()
            .Where(id => id.Length == 64 && !File.Exists(RecordFile(id)) && System.IO.Directory.GetLastWriteTimeUtc(Directory(id)) < before)
            .ToList();
    }

    /// <summary>Removes the directory of an abandoned container (see <see cref="Abandoned"/>), unless it has a record now.</summary>
    public void DeleteAbandoned(string id)
    {
        using var names = ContainerLock.Acquire(NamesLock);
        if (!File.Exists(RecordFile(id))) System.IO.Directory.Delete(Directory(id), recursive: true);
    }

    /// <summary>
    /// Deletes what removals killed before they had finished left: container directories moved aside as
    /// <c>.removing-ID</c>. Removals move and delete them holding the names lock, as this does: none is under way.
    /// </summary>
    public void DeleteUnfinishedRemovals()
    {
        if (!System.IO.Directory.Exists(Root)) return;
        using var names = ContainerLock.Acquire(NamesLock);
        foreach (var trash in System.IO.Directory.EnumerateDirectories(Root, RemovingPrefix + "*")) System.IO.Directory.Delete(trash, recursive: true);
    }

    public IReadOnlyList<ContainerRecord> List()
    {
        if (!System.IO.Directory.Exists(Root)) return [];
        var result = new List<ContainerRecord>();
        foreach (var dir in System.IO.Directory.EnumerateDirectories(Root))
        {
            if (Get(Path.GetFileName(dir)) is { } record) result.Add(record);
        }
        return result.OrderByDescending(r => r.Created).ToList();
    }

    public ContainerRecord? Get(string id)
    {
        if (id.Length != 64) return null;
        try { return JsonSerializer.Deserialize(File.ReadAllBytes(RecordFile(id)), StateJson.Default.ContainerRecord); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (JsonException) { return null; }
    }

    /// <summary>docker's lookup: full ID, then exact name, then a unique ID prefix.</summary>
    public ContainerRecord Find(string nameOrId)
    {
        if (nameOrId.Length == 0) throw new InvalidInputException("container name or ID cannot be empty");
        if (Get(nameOrId) is { } byId) return byId;
        string name = nameOrId.TrimStart('/');
        if (NameGenerator.IsValid(name) && _names.Owner(name) is { } byName) return byName;
        var all = List();
        if (!_names.Exists && all.FirstOrDefault(r => r.Name == name) is { } byOldName) return byOldName;
        var matches = all.Where(r => r.Id.StartsWith(nameOrId, StringComparison.Ordinal)).ToList();
        if (matches.Count > 1) throw new ConflictException($"multiple IDs found with provided prefix: {nameOrId}");
        return matches.SingleOrDefault() ?? throw new NotFoundException($"No such container: {nameOrId}");
    }

    /// <summary>The state as last written (no reconciliation; see the runtime's).</summary>
    public ContainerState ReadState(string id)
    {
        // A container being created has no state file yet: looked for first, as an exception costs ~0.1 ms of a start.
        string stateFile = StateFile(id);
        if (!File.Exists(stateFile) && File.Exists(RecordFile(id))) return new ContainerState();
        try { return ContainerStateReader.Read(File.ReadAllBytes(stateFile)) ?? new ContainerState(); }
        catch (FileNotFoundException) when (File.Exists(RecordFile(id))) { return new ContainerState(); }
        catch (FileNotFoundException) { throw new NotFoundException($"No such container: {id}"); }
        catch (DirectoryNotFoundException) { throw new NotFoundException($"No such container: {id}"); }
        catch (JsonException) { return new ContainerState { Status = ContainerStatus.Exited, ExitCode = 255, Error = "unreadable state" }; }
    }

    /// <summary>
    /// A running container's state is not forced to disk: after a crash the container no longer runs whatever the file
    /// says, and a state file the crash left empty reads as an exited container. The states that outlive a crash are.
    /// </summary>
    public void WriteState(string id, ContainerState state)
    {
        if (state.Running) AtomicFile.Write(StateFile(id), StateDocumentWriter.State(state));
        else AtomicFile.WriteDurably(StateFile(id), StateDocumentWriter.State(state));
    }

    public void WriteRecord(ContainerRecord record) => AtomicFile.WriteDurably(RecordFile(record.Id), StateDocumentWriter.Record(record));

    /// <summary>The container's own lock; hold it while reading and rewriting its state.</summary>
    public ContainerLock Lock(string id)
    {
        if (!System.IO.Directory.Exists(Directory(id))) throw new NotFoundException($"No such container: {id}");
        return ContainerLock.AcquireDirectory(Directory(id));
    }

    /// <summary>
    /// Removes the container's directory (its mounts are already gone), leaving its exit code behind for a while for
    /// the waiters marked with <see cref="MarkWaiter"/> (<see cref="ReadLastExitCode"/>): a <c>wait</c> on a container
    /// that <c>--rm</c> removes still learns it.
    /// </summary>
    public void Delete(ContainerRecord record, int? exitCode = null)
    {
        using var names = ContainerLock.Acquire(NamesLock);
        if (Unlist(record) is not { } trash) return;
        _waiters.Removed(record.Id, () => exitCode ?? ExitCodeIn(Path.Combine(trash, "state.json")));
        System.IO.Directory.Delete(trash, recursive: true);
    }

    /// <summary>
    /// Removes a container whose exit code is not known yet (an <c>--rm</c> container whose runtime is still tearing
    /// it down), unless a waiter has marked itself: then false, and <see cref="Delete"/> removes it later with the
    /// code. A waiter that marks itself after this learns the code from <see cref="NotifyWaiters"/>.
    /// </summary>
    public bool DeleteUnlessAwaited(ContainerRecord record)
    {
        using var names = ContainerLock.Acquire(NamesLock);
        if (_waiters.AnyFor(record.Id)) return false;
        if (Unlist(record) is { } trash) System.IO.Directory.Delete(trash, recursive: true);
        return true;
    }

    /// <summary>Leaves the exit code of a container that <see cref="DeleteUnlessAwaited"/> removed for its waiters.</summary>
    public void NotifyWaiters(string id, int exitCode) => _waiters.Removed(id, () => exitCode);

    /// <summary>
    /// Takes the container out of the store (renamed first, so that a half-deleted one is never listed); its
    /// directory's new name, or null when it was gone. A directory a removal renamed but failed to delete is returned
    /// again: an <c>--rm</c> container's monitor may make its log file while the removal deletes the directory (a
    /// creation whose path was looked up before the rename), and the removal after the runtime's exit finishes it.
    /// </summary>
    private string? Unlist(ContainerRecord record)
    {
        string dir = Directory(record.Id);
        string trash = Path.Combine(Root, RemovingPrefix + record.Id);
        if (!System.IO.Directory.Exists(dir)) return System.IO.Directory.Exists(trash) ? trash : null;
        System.IO.Directory.Move(dir, trash);
        _names.Remove(record);
        return trash;
    }

    /// <summary>Marks this process as a waiter for the container's exit code (until disposed); mark before reading its state.</summary>
    public IDisposable MarkWaiter(string id) => _waiters.Mark(id);

    /// <summary>The exit code a removed container left behind for its waiters, or null.</summary>
    public int? ReadLastExitCode(string id) => _waiters.LastExitCode(id);

    private static int? ExitCodeIn(string stateFile)
    {
        try { return ContainerStateReader.Read(File.ReadAllBytes(stateFile))?.ExitCode; }
        catch (Exception e) when (e is IOException or JsonException) { return null; }
    }
}
