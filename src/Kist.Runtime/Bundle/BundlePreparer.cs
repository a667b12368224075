using System.Text;
using Kist.Runtime.Execution;
using Kist.Runtime.Networking;
using Kist.Runtime.Spec;
using Kist.Runtime.State;
using Kist.Snapshots;

namespace Kist.Runtime.Bundle;

/// <summary>
/// Makes a container's OCI bundle ready to start: the rootfs (the image's snapshot chain under the container's
/// read-write snapshot) mounted at <c>ID/rootfs</c>, the generated /etc files and the spec for <c>config.json</c>.
/// </summary>
public sealed class BundlePreparer(ContainerStore store, ISnapshotter snapshotter)
{
    private static readonly Lazy<string?> Init = new(() =>
        new[] { "docker-init", "tini-static" }.Select(OciRuntime.FindOnPath).FirstOrDefault(p => p is not null));

    // The files of the bundle besides the rootfs: made by PrepareAsync, removed by Remove.
    private const string HostnameFileName = "hostname", HostsFileName = "hosts", ResolvConfFileName = "resolv.conf";
    private static readonly string[] BundleFiles = [ConfigFifo.FileName, HostnameFileName, HostsFileName, ResolvConfFileName];

    private static readonly Lazy<bool> SwapAccounting = new(() => File.Exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"));

    /// <summary>Mounts the rootfs, writes the /etc files and returns the spec, for <see cref="ConfigFifo"/>.</summary>
    public async Task<byte[]> PrepareAsync(ContainerRecord c, NetworkInfo network, bool terminal, CancellationToken cancellationToken = default)
    {
        string dir = store.Bundles.Directory(c.Id);
        string rootfs = store.RootfsDirectory(c.Id);
        Directory.CreateDirectory(rootfs);
        MountHelper.Unmount(rootfs); // a leftover of a crash: start from a clean mount point
        var mounts = await snapshotter.MountsAsync(c.SnapshotKey, cancellationToken).ConfigureAwait(false);
        // A --rm container's upper dir is removed after its one run: nothing to sync when it is unmounted.
        if (c.HostConfig.AutoRemove) MountHelper.MountAllVolatile(mounts, rootfs);
        else MountHelper.MountAll(mounts, rootfs);
        try
        {
            var mode = network.Mode switch { "host" => NetworkMode.Host, "bridge" => NetworkMode.Bridge, _ => NetworkMode.None };
            // Made again at every start: nothing to keep after a crash.
            AtomicFile.Write(Path.Combine(dir, HostnameFileName), Encoding.UTF8.GetBytes(c.Config.Hostname + "\n"));
            AtomicFile.Write(Path.Combine(dir, HostsFileName), Encoding.UTF8.GetBytes(HostsFile.Render(c.Config.Hostname,
                new NetworkAttachment(mode, null, network.IPAddress, 0, null, null), mode == NetworkMode.Host ? HostsFile.ReadHost() : null)));
            AtomicFile.Write(Path.Combine(dir, ResolvConfFileName), Encoding.UTF8.GetBytes(ResolvConf.Render(mode, ResolvConf.ReadHost())));
            var user = UserResolver.Resolve(c.Config.User, rootfs);
            if (!string.IsNullOrEmpty(c.Config.WorkingDir)) CreateWorkingDirectory(rootfs, c.Config.WorkingDir);
            var spec = SpecBuilder.Build(c, new SpecContext
            {
                BundleDirectory = dir,
                RootfsDirectory = rootfs,
                User = user,
                NetworkMode = network.Mode,
                NetnsPath = network.NetnsPath,
                InitBinary = c.HostConfig.Init ? Init.Value : null,
                CapabilityBoundingMask = Capabilities.CurrentBoundingMask(),
                SwapAccounting = SwapAccounting.Value,
                Terminal = terminal,
            });
            return RuntimeSpecWriter.Spec(spec);
        }
        catch
        {
            MountHelper.Unmount(rootfs);
            throw;
        }
    }

    /// <summary>Unmounts the rootfs; the read-write snapshot keeps its content for the next start.</summary>
    public void Release(string id) => MountHelper.Unmount(store.RootfsDirectory(id));

    /// <summary>
    /// Removes what <see cref="PrepareAsync"/> made, once the rootfs is unmounted: config.json, the /etc files and the
    /// rootfs mount point. Best effort: the container directory's removal takes whatever is left.
    /// </summary>
    public void Remove(string id)
    {
        string dir = store.Bundles.Directory(id);
        try
        {
            foreach (var file in BundleFiles) File.Delete(Path.Combine(dir, file));
            store.Bundles.Remove(id);
            if (Directory.Exists(store.RootfsDirectory(id))) Directory.Delete(store.RootfsDirectory(id));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Creates the working directory as docker does when the image lacks it; never through a symlink of the image
    /// (that could lead out of the rootfs): then the runtime reports the missing directory.
    /// </summary>
    private static void CreateWorkingDirectory(string rootfs, string workingDir)
    {
        string path = rootfs;
        foreach (var part in workingDir.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part is "." or "..") return;
            path = Path.Combine(path, part);
            var info = new DirectoryInfo(path);
            if (info.LinkTarget is not null) return;
            if (info.Exists) continue;
            if (File.Exists(path)) return;
            Directory.CreateDirectory(path);
        }
    }
}
