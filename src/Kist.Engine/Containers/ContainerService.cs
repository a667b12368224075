using Kist.Engine.Images;
using Kist.Engine.Layers;
using Kist.Oci;
using Kist.Runtime.Diagnostics;
using Kist.Runtime.Lifecycle;
using Kist.Runtime.Logs;
using Kist.Runtime.Monitor;
using Kist.Runtime.Networking;
using Kist.Runtime.Spec;
using Kist.Runtime.Spec.Seccomp;
using Kist.Runtime.State;
using Kist.Runtime.Volumes;

namespace Kist.Engine.Containers;

/// <summary>A container with its reconciled state: one row of <c>ps</c>, one object of <c>inspect</c>.</summary>
public sealed record ContainerView(ContainerRecord Record, ContainerState State);

/// <summary>
/// The container commands over one root: create (image → record + read-write snapshot), start in the foreground or
/// under a detached monitor, stop, kill, restart, remove, list, logs and wait.
/// </summary>
public sealed class ContainerService : IVolumeUsage
{
    private readonly KistEngine _engine;
    private readonly ImageMountService _images;
    private readonly IVolumeStore? _volumes;

    public ContainerService(KistEngine engine, INetworkManager? network, IVolumeStore? volumes)
    {
        _engine = engine;
        _images = new ImageMountService(engine);
        _volumes = volumes;
        Runtime = new ContainerRuntime(engine.Layout.Root, _images.Snapshotter, network);
    }

    public ContainerRuntime Runtime { get; }
    public ContainerStore Store => Runtime.Store;

    /// <summary>docker create: the container a request describes, in the store with its read-write layer.</summary>
    public async Task<ContainerRecord> CreateAsync(CreateRequest request, CancellationToken cancellationToken = default)
    {
        var record = await DefineAsync(request, RandomHex.Create(32), cancellationToken).ConfigureAwait(false);
        await AddAsync(record, cancellationToken).ConfigureAwait(false);
        return record;
    }

    /// <summary>
    /// The container a request describes, with ID <paramref name="id"/>, checked, with its image's snapshots unpacked,
    /// but not yet in the store: <see cref="AddAsync"/> puts it there.
    /// </summary>
    private async Task<ContainerRecord> DefineAsync(CreateRequest request, string id, CancellationToken cancellationToken)
    {
        Timings.Mark("create");
        var image = await _engine.Images.ResolveAsync(request.Image, cancellationToken).ConfigureAwait(false);
        Timings.Mark("image-found");
        var imageConfig = image.ConfigValue.Config;
        if (request.Name is { } n && !NameGenerator.IsValid(n.TrimStart('/')))
            throw new InvalidInputException($"Invalid container name ({n}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        string name = request.Name?.TrimStart('/') ?? Store.GenerateFreeName() ?? id[..12];

        var userEntrypoint = request.Entrypoint is null ? null : request.Entrypoint.Length == 0 ? Array.Empty<string>() : [request.Entrypoint];
        var (entrypoint, cmd) = ContainerCommand.Merge(userEntrypoint, request.Cmd, imageConfig);
        var (path, args) = ContainerCommand.PathAndArgs(entrypoint, cmd);
        string network = request.NetworkMode is "default" or "" ? "bridge" : request.NetworkMode;
        if (network is not ("none" or "host" or "bridge")) throw new NotFoundException($"network {network} not found");
        string hostname = request.Hostname is { Length: > 0 } h ? h : network == "host" ? Environment.MachineName : id[..12];
        var ports = request.Publish.Select(FlagParsers.Port).ToList();
        if (ports.Count > 0 && network != "bridge") ports.Clear(); // docker ignores -p without a bridge (with a warning)
        var labels = new Dictionary<string, string>(imageConfig?.Labels ?? new Dictionary<string, string>());
        foreach (var label in request.Labels.Select(FlagParsers.Label)) labels[label.Key] = label.Value;
        foreach (var cap in request.CapAdd.Concat(request.CapDrop)) Capabilities.Normalize(cap);
        if (request.StopSignal is { } stopSignal) Kist.Runtime.Execution.Signals.Parse(stopSignal);

        var mounts = new List<MountSpec>();
        foreach (var volume in request.Volumes) mounts.Add(await ResolveVolumeAsync(FlagParsers.Volume(volume), cancellationToken).ConfigureAwait(false));
        mounts.AddRange(request.Tmpfs.Select(FlagParsers.Tmpfs));

        var chainId = await _images.UnpackSnapshotsAsync(image, cancellationToken).ConfigureAwait(false);
        Timings.Mark("image-unpacked");
        var record = new ContainerRecord
        {
            Id = id,
            Name = name,
            Created = DateTimeOffset.UtcNow,
            Image = image.Id.ToString(),
            ImageName = request.Image,
            Path = path,
            Args = args,
            Config = new ContainerSettings
            {
                Hostname = hostname,
                User = request.User ?? imageConfig?.User ?? "",
                Tty = request.Tty,
                OpenStdin = request.OpenStdin,
                Env = ContainerEnvironment.MergeConfig(request.Env, imageConfig?.Env),
                Cmd = cmd,
                Entrypoint = entrypoint,
                WorkingDir = request.WorkingDir is { Length: > 0 } w ? w : imageConfig?.WorkingDir ?? "",
                Labels = labels,
                StopSignal = request.StopSignal ?? imageConfig?.StopSignal ?? "",
                StopTimeout = request.StopTimeout,
                ExposedPorts = (imageConfig?.ExposedPorts?.Keys ?? []).Concat(ports.Select(p => $"{p.ContainerPort}/{p.Protocol}")).Distinct().ToList(),
            },
            HostConfig = new HostSettings
            {
                Binds = request.Volumes,
                Tmpfs = request.Tmpfs.Select(FlagParsers.Tmpfs).ToDictionary(t => t.Destination, t => string.Join(',', t.Options)),
                NetworkMode = network,
                PortBindings = ports,
                Memory = request.Memory is { Length: > 0 } m ? FlagParsers.Bytes(m) : 0,
                NanoCpus = request.Cpus is { Length: > 0 } c ? FlagParsers.NanoCpus(c) : 0,
                PidsLimit = request.PidsLimit,
                CapAdd = request.CapAdd,
                CapDrop = request.CapDrop,
                Privileged = request.Privileged,
                ReadonlyRootfs = request.ReadOnly,
                Init = request.Init,
                AutoRemove = request.AutoRemove,
                Runtime = request.Runtime,
                SecurityOpt = SecurityOptions.Normalize(request.SecurityOpt),
                ShmSize = request.ShmSize is { Length: > 0 } shm ? FlagParsers.Bytes(shm) : 0,
                Ulimits = Ulimits.ParseAll(request.Ulimits),
            },
            Mounts = mounts,
            SnapshotKey = ContainerRecord.SnapshotKeyOf(id),
            ChainId = chainId.ToString(),
        };
        Ulimits.ToSpec(record.HostConfig.Ulimits); // a hard limit above ours fails now, not at start
        if (record.HostConfig.Memory is > 0 and < 6 * 1024 * 1024) throw new InvalidInputException("Minimum memory limit allowed is 6MB");
        Runtime.RuntimeFor(record); // an unknown runtime fails now, not at start
        return record;
    }

    /// <summary>Puts a container that <see cref="DefineAsync"/> made into the store: its read-write layer, record and name.</summary>
    private async Task AddAsync(ContainerRecord record, CancellationToken cancellationToken = default)
    {
        await PrepareReadWriteLayerAsync(record.SnapshotKey, Digest.Parse(record.ChainId), cancellationToken).ConfigureAwait(false);
        try
        {
            Store.Create(record);
        }
        catch
        {
            await Runtime.Snapshotter.RemoveAsync(record.SnapshotKey, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        Timings.Mark("container-created");
    }

    /// <summary>The container's read-write snapshot, over the image's init layer.</summary>
    private async Task PrepareReadWriteLayerAsync(string key, Digest chainId, CancellationToken cancellationToken)
    {
        string parent = _images.InitSnapshotKey(chainId);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await Runtime.Snapshotter.PrepareAsync(key, parent, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (NotFoundException) when (attempt < 3)
            {
                // The init layer is made by the image's first container (and again if `builder prune` removed it).
                await _images.EnsureInitSnapshotAsync(chainId, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<MountSpec> ResolveVolumeAsync(MountSpec mount, CancellationToken cancellationToken)
    {
        if (mount.Type == "bind")
        {
            // docker creates a missing host directory of a bind mount.
            if (!File.Exists(mount.Source)) Directory.CreateDirectory(mount.Source);
            return mount;
        }
        if (_volumes is null) throw new KistException("named volumes are not available in this build");
        var volume = await _volumes.CreateAsync(mount.Name, null, cancellationToken).ConfigureAwait(false);
        return mount with { Source = volume.Mountpoint, Name = volume.Name };
    }

    public ContainerRecord Find(string nameOrId) => Store.Find(nameOrId);

    /// <summary>The containers (in any state) that mount the named volume: volume rm and prune refuse those.</summary>
    public IReadOnlyList<string> ContainersUsing(string volumeName) =>
        Store.List().Where(r => r.Mounts.Any(m => m.Type == "volume" && m.Name == volumeName)).Select(r => r.Id).ToList();

    public async Task<ContainerView> ViewAsync(ContainerRecord record, CancellationToken cancellationToken = default) =>
        new(record, await Runtime.StateAsync(record, cancellationToken).ConfigureAwait(false));

    /// <summary>Every container with its reconciled state, newest first (those removed meanwhile are left out).</summary>
    public async Task<IReadOnlyList<ContainerView>> ListAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<ContainerView>();
        foreach (var record in Store.List())
        {
            try { result.Add(await ViewAsync(record, cancellationToken).ConfigureAwait(false)); }
            catch (NotFoundException) { }
        }
        return result;
    }

    /// <summary>Every container with its image and whether it runs: what rmi and the prunes must keep.</summary>
    public async Task<IReadOnlyList<ImageUser>> ImageUsersAsync(CancellationToken cancellationToken = default) =>
        (await ListAsync(cancellationToken).ConfigureAwait(false))
            .Where(v => v.Record.Image.Length > 0)
            .Select(v => new ImageUser(v.Record.Id, Digest.Parse(v.Record.Image), v.State.Running))
            .ToList();

    /// <summary>Runs the container with this process as its monitor (foreground <c>run</c>, <c>start -a</c>).</summary>
    public Task<RunOutcome> RunAttachedAsync(ContainerRecord record, ContainerIO io, CancellationToken cancellationToken = default) =>
        Runtime.RunAsync(record, io, cancellationToken);

    /// <summary>
    /// Foreground <c>run</c> of the container a request describes: the runtime starts first, and the container is
    /// defined (its image looked up) and added to the store while it starts (see <see cref="ContainerRuntime.RunNewAsync"/>).
    /// Fails as <see cref="CreateAsync"/> does (<see cref="ImageNotFoundException"/> when the image is not in the store),
    /// leaving nothing behind.
    /// </summary>
    public Task<RunOutcome> RunNewAttachedAsync(CreateRequest request, ContainerIO io, CancellationToken cancellationToken = default)
    {
        string id = RandomHex.Create(32);
        return Runtime.RunNewAsync(id, request.Runtime, request.AutoRemove, async () =>
        {
            var record = await DefineAsync(request, id, cancellationToken).ConfigureAwait(false);
            await AddAsync(record, CancellationToken.None).ConfigureAwait(false);
            return record;
        }, io, cancellationToken);
    }

    /// <summary>Starts the container under its own monitor process; null when it started, else why not.</summary>
    public async Task<RunOutcome?> StartDetachedAsync(ContainerRecord record, IReadOnlyList<string> monitorCommand, CancellationToken cancellationToken = default)
    {
        var state = await Runtime.StateAsync(record, cancellationToken).ConfigureAwait(false);
        if (state.Running) return null; // docker start of a running container is a no-op
        return await DetachedMonitor.LaunchAsync(monitorCommand, cancellationToken).ConfigureAwait(false);
    }

    public Task<int> RunMonitorAsync(ContainerRecord record) => DetachedMonitor.RunAsync(Runtime, record);

    public Task StopAsync(ContainerRecord record, int? timeoutSeconds, CancellationToken cancellationToken = default) =>
        Runtime.StopAsync(record, timeoutSeconds, cancellationToken);

    /// <summary>Stops the container to start it again: a <c>--rm</c> container is kept for that start.</summary>
    public Task StopForRestartAsync(ContainerRecord record, int? timeoutSeconds, CancellationToken cancellationToken = default) =>
        Runtime.StopForRestartAsync(record, timeoutSeconds, cancellationToken);

    public Task KillAsync(ContainerRecord record, string signal, CancellationToken cancellationToken = default) =>
        Runtime.KillAsync(record, signal, cancellationToken);

    /// <summary>docker rm: the container, its read-write layer, and with <paramref name="volumes"/> its anonymous volumes.</summary>
    public async Task RemoveAsync(ContainerRecord record, bool force, bool volumes, CancellationToken cancellationToken = default)
    {
        await Runtime.RemoveAsync(record, force, cancellationToken).ConfigureAwait(false);
        if (volumes && _volumes is not null)
        {
            foreach (var m in record.Mounts.Where(m => m.Type == "volume" && m.Name is not null))
            {
                if (await _volumes.GetAsync(m.Name!, cancellationToken).ConfigureAwait(false) is { Anonymous: true })
                    await _volumes.RemoveAsync(m.Name!, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The container's log entries; with <paramref name="follow"/> until it is no longer running.</summary>
    public IAsyncEnumerable<LogEntry> LogsAsync(ContainerRecord record, int? tail, bool follow, CancellationToken cancellationToken = default) =>
        JsonLogReader.ReadAsync(Store.LogFile(record.Id), tail, follow, () =>
        {
            try { return Runtime.StateAsync(record).GetAwaiter().GetResult().Running; }
            catch (NotFoundException) { return false; }
        }, cancellationToken);

    /// <summary>docker wait: blocks until the container is not running and returns its exit code.</summary>
    public Task<int> WaitAsync(ContainerRecord record, CancellationToken cancellationToken = default) =>
        Runtime.WaitExitCodeAsync(record, cancellationToken);
}
