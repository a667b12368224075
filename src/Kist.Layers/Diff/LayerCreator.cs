using System.Buffers;
using Kist.Layers.Compression;
using Kist.Layers.Native;
using Kist.Layers.Tar;
using Kist.Oci;

namespace Kist.Layers.Diff;

public sealed class LayerCreateOptions
{
    public Oci.Compression Compression { get; init; } = Oci.Compression.Gzip;
    /// <summary>Compression level (gzip 1–9, zstd 1–19); null for the default.</summary>
    public int? Level { get; init; }
    /// <summary>Modification times later than this (seconds since the epoch) are clamped to it; defaults to <c>SOURCE_DATE_EPOCH</c>.</summary>
    public long? SourceDateEpoch { get; init; } = FromEnvironment();
    /// <summary>Paths (relative, '/'-separated) left out of the layer with everything below them.</summary>
    public Func<string, bool>? Exclude { get; init; }
    /// <summary>Store the layer uncompressed when its files hardly compress (<see cref="TreeCompressibility"/>); for an upper dir or a whole tree.</summary>
    public bool PlainWhenIncompressible { get; init; }
    /// <summary>The output's own running digest (a content-store writer's), so the layer's bytes are not hashed twice.</summary>
    public Func<Digest>? OutputDigest { get; init; }

    public static long? FromEnvironment() =>
        long.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), out long v) && v >= 0 ? v : null;
}

/// <summary>
/// Creates layer tars: the difference between a directory and its parent, or an overlayfs upper directory (0/0
/// character devices and <c>trusted.overlay.opaque</c> become OCI whiteouts). Entries are sorted, headers carry no
/// host noise (no uname/gname, atime or ctime), so the same tree gives the same diff ID anywhere.
/// </summary>
public static class LayerCreator
{
    /// <summary>Writes the layer of <paramref name="directory"/> against <paramref name="parent"/> (null: the whole tree).</summary>
    public static Task<LayerDigests> CreateFromDirectoryAsync(string directory, string? parent, Stream output,
        LayerCreateOptions? options = null, CancellationToken cancellationToken = default) =>
        RunAsync(directory, parent, overlay: false, output, options ?? new LayerCreateOptions(), cancellationToken);

    /// <summary>Writes the layer an overlayfs upper directory stands for.</summary>
    public static Task<LayerDigests> CreateFromOverlayUpperAsync(string upper, Stream output,
        LayerCreateOptions? options = null, CancellationToken cancellationToken = default) =>
        RunAsync(upper, null, overlay: true, output, options ?? new LayerCreateOptions(), cancellationToken);

    private static Task<LayerDigests> RunAsync(string dir, string? parent, bool overlay, Stream output,
        LayerCreateOptions options, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() =>
        {
            var compression = options.PlainWhenIncompressible && parent is null ? TreeCompressibility.Choose(dir, options.Compression) : options.Compression;
            using var compressing = new CompressingStream(output, compression, options.Level, outputDigest: options.OutputDigest);
            var writer = new TarStreamWriter(compressing);
            int dfd = Dirs.OpenRoot(dir);
            int pfd = parent is null ? -1 : Dirs.OpenRoot(parent);
            try
            {
                new Walker(writer, overlay, options.SourceDateEpoch, options.Exclude, cancellationToken).Walk(dfd, pfd, "");
            }
            finally
            {
                Libc.Close(dfd);
                if (pfd >= 0) Libc.Close(pfd);
            }
            writer.Finish();
            return compressing.Finish();
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private sealed class Walker(TarStreamWriter writer, bool overlay, long? epoch, Func<string, bool>? exclude, CancellationToken cancellationToken)
    {
        private readonly Dictionary<(ulong, ulong), string> _links = [];
        private readonly List<TarEntry> _pending = [];
        private readonly byte[] _buffer = new byte[1 << 20];

        public void Walk(int dfd, int pfd, string rel)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var names = Dirs.List(dfd);
            var items = new List<(string Key, string Name, bool Whiteout)>(names.Count);
            foreach (var n in names) items.Add((n, n, false));
            if (pfd >= 0)
            {
                var present = new HashSet<string>(names, StringComparer.Ordinal);
                foreach (var n in Dirs.List(pfd))
                    if (!present.Contains(n)) items.Add((".wh." + n, n, true));
            }
            items.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            foreach (var (key, name, whiteout) in items)
            {
                string path = rel.Length == 0 ? name : rel + "/" + name;
                if (exclude?.Invoke(path) == true) continue;
                if (whiteout) { EmitWhiteout(rel, name); continue; }
                var st = FileStat.Lstat(dfd, name);
                FileStat? pst = pfd >= 0 ? FileStat.TryLstat(pfd, name) : null;
                var xattrs = ReadXattrs(dfd, name);
                if (overlay && st.IsOverlayWhiteout) { EmitWhiteout(rel, name); continue; }
                if (st.Type == Libc.S_IFSOCK) continue;
                if (st.IsDirectory)
                {
                    bool opaque = overlay && Xattrs.Get($"/proc/self/fd/{dfd}/{name}", "trusted.overlay.opaque") is [(byte)'y'];
                    var entry = Entry(path, st, xattrs);
                    bool changed = pst is not { IsDirectory: true } || MetaDiffers(st, pst.Value) ||
                                   !SameXattrs(xattrs, ReadXattrs(pfd, name));
                    _pending.Add(entry);
                    if (changed || opaque) Flush();
                    if (opaque) Emit(new TarEntry { Name = path + "/.wh..wh..opq", Kind = TarEntryKind.Regular, MtimeSeconds = 0 });
                    int cfd = Dirs.OpenDirNoFollow(dfd, name);
                    int cpfd = pst is { IsDirectory: true } ? Dirs.OpenDirNoFollow(pfd, name) : -1;
                    try { Walk(cfd, cpfd, path); }
                    finally { Libc.Close(cfd); if (cpfd >= 0) Libc.Close(cpfd); }
                    if (_pending.Count > 0 && ReferenceEquals(_pending[^1], entry)) _pending.RemoveAt(_pending.Count - 1);
                    continue;
                }
                if (pst is { } p && !Changed(dfd, pfd, name, st, p, xattrs)) continue;
                EmitNonDir(dfd, name, path, st, xattrs);
            }
        }

        private bool Changed(int dfd, int pfd, string name, FileStat st, FileStat p, SortedDictionary<string, byte[]> xattrs)
        {
            if (st.Mode != p.Mode || MetaDiffers(st, p) || !SameXattrs(xattrs, ReadXattrs(pfd, name))) return true;
            if (st.IsSymlink) return Apply.RootedTree.ReadLink(dfd, name) != Apply.RootedTree.ReadLink(pfd, name);
            if (st.Type is Libc.S_IFCHR or Libc.S_IFBLK) return st.RdevMajor != p.RdevMajor || st.RdevMinor != p.RdevMinor;
            if (!st.IsRegular) return false;
            if (st.Size != p.Size || st.MtimeSec != p.MtimeSec || st.MtimeNsec != p.MtimeNsec) return true;
            // Same size and time: only a whole-second time (copied without nanoseconds) is ambiguous enough to compare bytes.
            return st.MtimeNsec == 0 && !SameContent(dfd, pfd, name);
        }

        private static bool MetaDiffers(FileStat a, FileStat b) => a.Mode != b.Mode || a.Uid != b.Uid || a.Gid != b.Gid;

        private void EmitNonDir(int dfd, string name, string path, FileStat st, SortedDictionary<string, byte[]> xattrs)
        {
            var entry = Entry(path, st, xattrs);
            if (st.Nlink > 1)
            {
                if (_links.TryGetValue(st.Identity, out var first))
                {
                    entry.Kind = TarEntryKind.Hardlink;
                    entry.LinkName = first;
                    entry.Size = 0;
                    entry.Xattrs = null;
                    Emit(entry);
                    return;
                }
                _links[st.Identity] = path;
            }
            switch (st.Type)
            {
                case Libc.S_IFREG:
                    entry.Kind = TarEntryKind.Regular;
                    WriteFile(dfd, name, path, st, entry);
                    return;
                case Libc.S_IFLNK:
                    entry.Kind = TarEntryKind.Symlink;
                    entry.LinkName = Apply.RootedTree.ReadLink(dfd, name);
                    break;
                case Libc.S_IFCHR: entry.Kind = TarEntryKind.CharDevice; break;
                case Libc.S_IFBLK: entry.Kind = TarEntryKind.BlockDevice; break;
                case Libc.S_IFIFO: entry.Kind = TarEntryKind.Fifo; break;
                default: return;
            }
            if (entry.Kind is TarEntryKind.CharDevice or TarEntryKind.BlockDevice)
            {
                entry.DevMajor = st.RdevMajor;
                entry.DevMinor = st.RdevMinor;
            }
            Emit(entry);
        }

        private unsafe void WriteFile(int dfd, string name, string path, FileStat st, TarEntry entry)
        {
            int fd = Libc.OpenAt(dfd, name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
            if (fd < 0) throw new NativeException("open", path, Libc.Errno);
            try
            {
                var now = FileStat.Fstat(fd);
                if (!now.IsRegular || now.Inode != st.Inode) throw new IOException($"{path} changed while the layer was written");
                entry.Size = now.Size;
                Emit(entry);
                long left = now.Size;
                fixed (byte* p = _buffer)
                {
                    while (left > 0)
                    {
                        nint n = Libc.Read(fd, p, (nint)Math.Min(left, _buffer.Length));
                        if (n < 0) { if (Libc.Errno == Libc.EINTR) continue; throw new NativeException("read", path, Libc.Errno); }
                        if (n == 0) throw new IOException($"{path} shrank while the layer was written");
                        writer.WriteData(_buffer.AsSpan(0, (int)n));
                        left -= n;
                    }
                }
            }
            finally { Libc.Close(fd); }
        }

        private void EmitWhiteout(string rel, string name)
        {
            Flush();
            writer.WriteHeader(new TarEntry { Name = (rel.Length == 0 ? "" : rel + "/") + ".wh." + name, Kind = TarEntryKind.Regular });
        }

        private void Emit(TarEntry entry)
        {
            Flush();
            writer.WriteHeader(entry);
        }

        private void Flush()
        {
            foreach (var p in _pending) writer.WriteHeader(p);
            _pending.Clear();
        }

        private TarEntry Entry(string path, FileStat st, SortedDictionary<string, byte[]> xattrs)
        {
            long mtime = st.MtimeSec;
            if (epoch is { } e && mtime > e) mtime = e;
            return new TarEntry
            {
                Name = path,
                Kind = st.IsDirectory ? TarEntryKind.Directory : TarEntryKind.Regular,
                Mode = st.Permissions,
                Uid = st.Uid,
                Gid = st.Gid,
                MtimeSeconds = mtime,
                Xattrs = xattrs.Count == 0 ? null : xattrs,
            };
        }

        private static SortedDictionary<string, byte[]> ReadXattrs(int dirfd, string name)
        {
            if (dirfd < 0) return [];
            var all = Xattrs.List($"/proc/self/fd/{dirfd}/{name}");
            foreach (var k in all.Keys.ToList())
                if (k.StartsWith("trusted.overlay.", StringComparison.Ordinal) || k.StartsWith("user.overlay.", StringComparison.Ordinal) ||
                    k.StartsWith("security.selinux", StringComparison.Ordinal))
                    all.Remove(k);
            return all;
        }

        private static bool SameXattrs(SortedDictionary<string, byte[]> a, SortedDictionary<string, byte[]> b) =>
            a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v.AsSpan().SequenceEqual(kv.Value));

        private static bool SameContent(int dfd, int pfd, string name)
        {
            using var a = File.OpenRead($"/proc/self/fd/{dfd}/{name}");
            using var b = File.OpenRead($"/proc/self/fd/{pfd}/{name}");
            var ba = ArrayPool<byte>.Shared.Rent(65536);
            var bb = ArrayPool<byte>.Shared.Rent(65536);
            try
            {
                while (true)
                {
                    int na = a.ReadAtLeast(ba, 65536, false), nb = b.ReadAtLeast(bb, 65536, false);
                    if (na != nb || !ba.AsSpan(0, na).SequenceEqual(bb.AsSpan(0, nb))) return false;
                    if (na == 0) return true;
                }
            }
            finally { ArrayPool<byte>.Shared.Return(ba); ArrayPool<byte>.Shared.Return(bb); }
        }
    }
}
