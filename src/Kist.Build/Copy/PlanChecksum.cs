using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kist.Layers.Native;

namespace Kist.Build.Copy;

/// <summary>The cache-key checksum of a planned copy: options and, per item, every entry's path, type, content,
/// mode, link target and (when kept) ids. Never mtimes, never absolute source paths.</summary>
internal static class PlanChecksum
{
    public static string Compute(CopyRequest request, CopyDestination dest, uint? chmod, IReadOnlyList<CopyItem> items)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(s));
            hash.AppendData([0]);
        }
        Add("kist-copy-v1");
        Add(dest.Path);
        Add(dest.IsDirectory ? "dir" : "path");
        Add(request.Chown ?? "");
        Add(chmod is { } m ? Convert.ToString(m, 8) : "");
        Add(request.IsAdd ? "add" : "copy");
        Add(request.Parents ? "parents" : "");
        Add(request.Link ? "link" : "");
        Add(request.KeepGitDir ? "keep-git-dir" : "");
        Add(string.Join('\n', request.Excludes));
        bool ids = request.From.KeepOwnership && request.Chown is null;
        foreach (var item in items)
        {
            Add("item");
            Add(item.Name);
            Add(item.IsDirectory ? "dir" : item.Extract ? "extract" : "file");
            Add(item.ParentsPath ?? "");
            foreach (var e in item.Entries)
            {
                var st = e.Stat;
                Add(e.Rel);
                Add(Convert.ToString(st.Type >> 12, 8) + Convert.ToString(st.Permissions, 8));
                if (ids) Add(st.Uid.ToString(CultureInfo.InvariantCulture) + ":" + st.Gid.ToString(CultureInfo.InvariantCulture));
                if (st.IsRegular) Add(e.HardlinkOf is { } h ? "=" + h : st.Size.ToString(CultureInfo.InvariantCulture) + ":" + e.ContentHash);
                else if (st.IsSymlink) Add(e.LinkTarget ?? "");
                else if (st.Type is Libc.S_IFCHR or Libc.S_IFBLK) Add(st.RdevMajor + "," + st.RdevMinor);
            }
        }
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
