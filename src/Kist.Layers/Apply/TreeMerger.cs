using Kist.Layers.Native;

namespace Kist.Layers.Apply;

/// <summary>
/// Merges a staged layer over a flattened tree the way overlayfs would show it: whiteouts and opaque markers delete
/// lower content (never through a symlink), then staged entries are moved (renamed) in, replacing what they shadow.
/// </summary>
internal static class TreeMerger
{
    public static void Merge(string stage, string target, WhiteoutTracker tracker, bool copyRootMeta)
    {
        using var t = new RootedTree(target);
        foreach (var w in tracker.Whiteouts)
        {
            int slash = w.LastIndexOf('/');
            if (t.OpenPhysicalDir(slash < 0 ? "" : w[..slash]) is not int pfd) continue;
            try { Dirs.RemoveAll(pfd, w[(slash + 1)..]); }
            finally { Libc.Close(pfd); }
        }
        foreach (var o in tracker.Opaque)
        {
            if (t.OpenPhysicalDir(o) is not int dfd) continue;
            try { Dirs.RemoveChildren(dfd); }
            finally { Libc.Close(dfd); }
        }
        int sroot = Dirs.OpenRoot(stage);
        try
        {
            MergeDir(sroot, t.RootFd);
            if (copyRootMeta) CopyMeta(sroot, t.RootFd, "");
        }
        finally { Libc.Close(sroot); }
    }

    private static void MergeDir(int sfd, int tfd)
    {
        foreach (var name in Dirs.List(sfd))
        {
            var s = FileStat.Lstat(sfd, name);
            var tst = FileStat.TryLstat(tfd, name);
            if (s.IsDirectory && tst is { IsDirectory: true })
            {
                int sc = Dirs.OpenDirNoFollow(sfd, name), tc = Dirs.OpenDirNoFollow(tfd, name);
                try
                {
                    MergeDir(sc, tc);
                    CopyMeta(sc, tc, name);
                }
                finally { Libc.Close(sc); Libc.Close(tc); }
                Libc.UnlinkAt(sfd, name, Libc.AT_REMOVEDIR);
            }
            else
            {
                if (tst != null) Dirs.RemoveAll(tfd, name);
                if (Libc.RenameAt(sfd, name, tfd, name) != 0) throw new NativeException("rename", name, Libc.Errno);
            }
        }
    }

    /// <summary>Owner, mode, xattrs and times of a staged directory onto the merged one (the upper directory wins).</summary>
    private static unsafe void CopyMeta(int sfd, int tfd, string name)
    {
        var s = FileStat.Fstat(sfd);
        if (Libc.IsRoot) Libc.FchownAt(tfd, "", (int)s.Uid, (int)s.Gid, Libc.AT_EMPTY_PATH);
        Libc.FchmodAt(tfd, ".", s.Permissions, 0);
        foreach (var (k, v) in Xattrs.List($"/proc/self/fd/{sfd}/."))
            fixed (byte* p = v) Libc.Lsetxattr($"/proc/self/fd/{tfd}/.", k, p, v.Length, 0);
        LayerApplier.SetTimes(tfd, "", s.MtimeSec, s.MtimeNsec, 0);
    }
}
