using System.Buffers;
using System.Security.Cryptography;
using Kist.Layers.Compression;
using Kist.Layers.Native;
using Kist.Layers.Streams;
using Kist.Layers.Tar;
using Kist.Oci;

namespace Kist.Layers.Apply;

/// <summary>
/// Applies a layer (tar, tar+gzip or tar+zstd) to a directory with docker's semantics: each layer is resolved as if
/// it were extracted on its own (docker overlay2), then merged over the target as overlayfs would show it.
/// Every path is resolved inside the target with descriptors; a hostile entry fails the whole layer with an error
/// naming it, and the target is left as it was (flatten onto a non-empty target) or emptied.
/// </summary>
public static class LayerApplier
{
    public static async Task<LayerApplyResult> ApplyAsync(Stream layer, string target, LayerApplyOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new LayerApplyOptions();
        using var compressedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var raw = new HashingReadStream(layer, compressedHash);
        var (compression, decompressed) = await CompressionDetector.OpenDecompressedAsync(raw, cancellationToken).ConfigureAwait(false);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var readAhead = new ReadAheadStream(decompressed, hash, cancellationToken);
        var result = await Task.Factory.StartNew(() => Apply(readAhead, hash, compression, target, options, cancellationToken),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        return result with { Digest = Digest.FromHash(Digest.Sha256, compressedHash.GetHashAndReset()), Size = raw.BytesRead };
    }

    private static LayerApplyResult Apply(ReadAheadStream input, IncrementalHash hash, Oci.Compression compression,
        string target, LayerApplyOptions options, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(target);
        bool direct;
        using (var probe = new RootedTree(target)) direct = options.Whiteouts == WhiteoutFormat.Overlay || Dirs.IsEmpty(probe.RootFd);

        string stage = direct ? target : Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(target)))!,
            "." + Path.GetFileName(Path.TrimEndingDirectorySeparator(target)) + ".kist-apply-" + Guid.NewGuid().ToString("N")[..12]);
        if (!direct) Directory.CreateDirectory(stage);
        bool ok = false;
        try
        {
            long entries;
            var tracker = new WhiteoutTracker();
            EntryMeta? rootMeta;
            using (var tree = new RootedTree(stage))
            {
                var worker = new Worker(tree, options, direct ? null : tracker, cancellationToken);
                var reader = new TarStreamReader(input);
                worker.Run(reader);
                reader.DrainToEnd();
                entries = reader.EntriesRead;
                rootMeta = worker.RootMeta;
            }
            var diffId = Digest.FromHash(Digest.Sha256, hash.GetHashAndReset());
            if (options.ExpectedDiffId is { } expected && expected != diffId)
                throw new DigestMismatchException($"layer diff ID is {diffId}, expected {expected}");
            if (!direct) TreeMerger.Merge(stage, target, tracker, rootMeta != null);
            ok = true;
            return new LayerApplyResult(diffId, input.BytesRead, entries, compression);
        }
        finally
        {
            if (!direct) { try { Dirs.RemoveTree(stage); } catch (IOException) when (!ok) { } }
            else if (!ok)
            {
                try { int fd = Dirs.OpenRoot(target); try { Dirs.RemoveChildren(fd); } finally { Libc.Close(fd); } }
                catch (IOException) { }
            }
        }
    }

    internal sealed record EntryMeta(uint Mode, long Uid, long Gid);

    private sealed class Worker(RootedTree tree, LayerApplyOptions options, WhiteoutTracker? tracker, CancellationToken cancellationToken)
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private readonly List<(string Phys, long Sec, uint Nsec)> _dirTimes = [];
        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 20);

        public EntryMeta? RootMeta { get; private set; }

        public void Run(TarStreamReader reader)
        {
            try
            {
                while (reader.Next() is { } entry)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    try { ApplyEntry(entry, reader); }
                    catch (Exception ex) when (ex is IOException or InvalidInputException or UnauthorizedAccessException)
                    {
                        if (ex is LayerApplyException) throw;
                        throw new LayerApplyException($"layer entry \"{entry.Name}\": {ex.Message}", ex);
                    }
                }
                // Directory times last (children changed them), deepest first.
                for (int i = _dirTimes.Count - 1; i >= 0; i--)
                {
                    var (phys, sec, nsec) = _dirTimes[i];
                    if (tree.OpenPhysicalDir(phys) is int fd)
                    {
                        try { SetTimes(fd, "", sec, nsec, Libc.AT_EMPTY_PATH); }
                        finally { Libc.Close(fd); }
                    }
                }
            }
            finally { ArrayPool<byte>.Shared.Return(_buffer); }
        }

        private void ApplyEntry(TarEntry e, TarStreamReader reader)
        {
            var comps = RootedTree.Clean(e.Name);
            if (comps.Count == 0)
            {
                if (e.Kind != TarEntryKind.Directory) throw new LayerApplyException($"layer entry \"{e.Name}\": resolves to the root of the layer");
                RootMeta = new EntryMeta(e.Mode, e.Uid, e.Gid);
                SetOwner(tree.RootFd, "", e, Libc.AT_EMPTY_PATH);
                Chmod(tree.RootFd, ".", e.Mode);
                _dirTimes.Add(("", e.MtimeSeconds, e.MtimeNanoseconds));
                return;
            }
            string rel = string.Join('/', comps);
            if (!_seen.Add(rel)) throw new LayerApplyException($"layer entry \"{e.Name}\": duplicate path in layer");
            string name = comps[^1];

            if (name.StartsWith(".wh.", StringComparison.Ordinal))
            {
                var (pfd, pphys) = tree.ResolveDir(comps, comps.Count - 1, create: true);
                if (name == ".wh..wh..opq")
                {
                    if (options.Whiteouts == WhiteoutFormat.Overlay) SetXattr(pfd, ".", "trusted.overlay.opaque", "y"u8.ToArray());
                    else tracker?.AddOpaque(pphys);
                    return;
                }
                if (name.StartsWith(".wh..wh.", StringComparison.Ordinal)) return; // aufs metadata: docker skips it
                string victim = name[4..];
                if (victim is "" or "." or "..") throw new LayerApplyException($"layer entry \"{e.Name}\": invalid whiteout name");
                string vphys = Join(pphys, victim);
                Remove(pfd, victim, vphys);
                if (options.Whiteouts == WhiteoutFormat.Overlay)
                {
                    if (Libc.MknodAt(pfd, victim, Libc.S_IFCHR, 0) != 0) throw new NativeException("mknod", vphys, Libc.Errno);
                }
                else tracker?.AddWhiteout(vphys);
                return;
            }

            var (fd, phys) = tree.ResolveDir(comps, comps.Count - 1, create: true);
            string path = Join(phys, name);
            var existing = FileStat.TryLstat(fd, name);
            if (existing is { } ex && !(ex.IsDirectory && e.Kind == TarEntryKind.Directory))
            {
                Remove(fd, name, path);
                existing = null;
            }
            tracker?.Created(path);

            switch (e.Kind)
            {
                case TarEntryKind.Directory:
                    if (existing is null && Libc.MkdirAt(fd, name, 0x1C0) != 0) throw new NativeException("mkdir", path, Libc.Errno);
                    SetOwner(fd, name, e, Libc.AT_SYMLINK_NOFOLLOW);
                    Chmod(fd, name, e.Mode);
                    SetXattrs(fd, name, e);
                    _dirTimes.Add((path, e.MtimeSeconds, e.MtimeNanoseconds));
                    break;
                case TarEntryKind.Regular:
                    WriteFile(fd, name, path, e, reader);
                    break;
                case TarEntryKind.Symlink:
                    CreateSymlink(fd, name, path, e.LinkName);
                    SetOwner(fd, name, e, Libc.AT_SYMLINK_NOFOLLOW);
                    SetXattrs(fd, name, e);
                    SetTimes(fd, name, e.MtimeSeconds, e.MtimeNanoseconds, Libc.AT_SYMLINK_NOFOLLOW);
                    break;
                case TarEntryKind.Hardlink:
                    Link(fd, name, path, e);
                    break;
                case TarEntryKind.CharDevice or TarEntryKind.BlockDevice or TarEntryKind.Fifo:
                    if (e.Kind != TarEntryKind.Fifo && options.Devices == DeviceNodePolicy.Skip) return;
                    if (e.Kind != TarEntryKind.Fifo && options.Devices == DeviceNodePolicy.Reject)
                        throw new LayerApplyException($"layer entry \"{e.Name}\": device nodes are not allowed here");
                    uint type = e.Kind switch { TarEntryKind.CharDevice => Libc.S_IFCHR, TarEntryKind.BlockDevice => Libc.S_IFBLK, _ => Libc.S_IFIFO };
                    if (Libc.MknodAt(fd, name, type | 0x180, e.Kind == TarEntryKind.Fifo ? 0 : Libc.MakeDev(e.DevMajor, e.DevMinor)) != 0)
                        throw new NativeException("mknod", path, Libc.Errno);
                    SetOwner(fd, name, e, Libc.AT_SYMLINK_NOFOLLOW);
                    Chmod(fd, name, e.Mode);
                    SetXattrs(fd, name, e);
                    SetTimes(fd, name, e.MtimeSeconds, e.MtimeNanoseconds, Libc.AT_SYMLINK_NOFOLLOW);
                    break;
            }
        }

        private void Remove(int fd, string name, string phys)
        {
            var st = FileStat.TryLstat(fd, name);
            if (st is null) return;
            Dirs.RemoveAll(fd, name);
            if (st.Value.IsDirectory || st.Value.IsSymlink) tree.Invalidate();
            tracker?.Forget(phys);
        }

        private unsafe void WriteFile(int dirfd, string name, string path, TarEntry e, TarStreamReader reader)
        {
            int fd = Libc.OpenAt(dirfd, name, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0x180);
            if (fd < 0) throw new NativeException("create", path, Libc.Errno);
            try
            {
                int n;
                while ((n = reader.Read(_buffer)) > 0)
                {
                    fixed (byte* p = _buffer)
                    {
                        int off = 0;
                        while (off < n)
                        {
                            nint w = Libc.Write(fd, p + off, n - off);
                            if (w < 0) { if (Libc.Errno == Libc.EINTR) continue; throw new NativeException("write", path, Libc.Errno); }
                            off += (int)w;
                        }
                    }
                }
                if (options.PreserveOwnership && Libc.Fchown(fd, CheckId(e.Uid), CheckId(e.Gid)) != 0)
                    throw new NativeException("chown", path, Libc.Errno);
                if (Libc.Fchmod(fd, e.Mode) != 0) throw new NativeException("chmod", path, Libc.Errno);
                if (e.Xattrs != null)
                    foreach (var (k, v) in e.Xattrs)
                    {
                        if (Skipped(k)) continue;
                        fixed (byte* pv = v)
                            if (Libc.Fsetxattr(fd, k, pv, v.Length, 0) != 0 && !Tolerated(Libc.Errno))
                                throw new NativeException("setxattr " + k, path, Libc.Errno);
                    }
                SetTimes(fd, "", e.MtimeSeconds, e.MtimeNanoseconds, Libc.AT_EMPTY_PATH);
            }
            finally { Libc.Close(fd); }
        }

        private static unsafe void CreateSymlink(int fd, string name, string path, string target)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(target + "\0");
            fixed (byte* p = bytes)
                if (Libc.SymlinkAt(p, fd, name) != 0) throw new NativeException("symlink", path, Libc.Errno);
        }

        private void Link(int fd, string name, string path, TarEntry e)
        {
            var tcomps = RootedTree.Clean(e.LinkName);
            if (tcomps.Count == 0) throw new LayerApplyException($"layer entry \"{e.Name}\": hardlink to the layer root");
            int tfd;
            try { (tfd, _) = tree.ResolveDir(tcomps, tcomps.Count - 1, create: false); }
            catch (NativeException ex) { throw new LayerApplyException($"layer entry \"{e.Name}\": hardlink target {e.LinkName} not found in this layer ({ex.Message})"); }
            string tname = tcomps[^1];
            var tst = FileStat.TryLstat(tfd, tname)
                ?? throw new LayerApplyException($"layer entry \"{e.Name}\": hardlink target {e.LinkName} not found in this layer");
            if (tst.IsDirectory) throw new LayerApplyException($"layer entry \"{e.Name}\": hardlink to a directory");
            if (Libc.LinkAt(tfd, tname, fd, name, 0) != 0) throw new NativeException("link", path, Libc.Errno);
            if (!tst.IsSymlink)
            {
                SetOwner(fd, name, e, Libc.AT_SYMLINK_NOFOLLOW);
                Chmod(fd, name, e.Mode);
            }
        }

        private void SetOwner(int fd, string name, TarEntry e, int flags)
        {
            if (!options.PreserveOwnership) return;
            if (Libc.FchownAt(fd, name, CheckId(e.Uid), CheckId(e.Gid), flags) != 0) throw new NativeException("chown", name, Libc.Errno);
        }

        private static int CheckId(long id) =>
            id is >= 0 and < int.MaxValue ? (int)id : throw new InvalidInputException($"uid/gid {id} out of range");

        // Only called on names just created as (or checked to be) non-symlinks.
        private static void Chmod(int fd, string name, uint mode)
        {
            if (Libc.FchmodAt(fd, name, mode & 0xFFF, 0) != 0) throw new NativeException("chmod", name, Libc.Errno);
        }

        private void SetXattrs(int fd, string name, TarEntry e)
        {
            if (e.Xattrs == null) return;
            foreach (var (k, v) in e.Xattrs)
                if (!Skipped(k)) SetXattr(fd, name, k, v);
        }

        private static unsafe void SetXattr(int dirfd, string name, string key, byte[] value)
        {
            string p = $"/proc/self/fd/{dirfd}/{name}";
            fixed (byte* pv = value)
                if (Libc.Lsetxattr(p, key, pv, value.Length, 0) != 0 && !Tolerated(Libc.Errno) &&
                    !(Libc.Errno == Libc.EPERM && key.StartsWith("user.", StringComparison.Ordinal))) // user.* is refused on symlinks and devices
                    throw new NativeException("setxattr " + key, name, Libc.Errno);
        }

        // overlayfs' own attributes inside a layer could redirect lookups: never take them from a tar.
        private static bool Skipped(string key) => key.StartsWith("trusted.overlay.", StringComparison.Ordinal);

        private static bool Tolerated(int errno) => errno == Libc.EOPNOTSUPP || (errno == Libc.EPERM && !Libc.IsRoot);
    }

    internal static unsafe void SetTimes(int fd, string name, long sec, uint nsec, int flags)
    {
        var ts = stackalloc Libc.Timespec[2];
        ts[0] = new Libc.Timespec { Sec = sec, Nsec = nsec };
        ts[1] = ts[0];
        int rc = name.Length == 0 ? Libc.Futimens(fd, ts) : Libc.UtimensAt(fd, name, ts, flags);
        if (rc != 0) throw new NativeException("utimes", name, Libc.Errno);
    }

    private static string Join(string dir, string name) => dir.Length == 0 ? name : dir + "/" + name;
}
