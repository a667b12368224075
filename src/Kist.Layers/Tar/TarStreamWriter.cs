using System.Text;

namespace Kist.Layers.Tar;

/// <summary>
/// A deterministic tar writer for layers: ustar headers, PAX records only where needed (long or non-ASCII names,
/// big ids or sizes, xattrs as raw bytes), empty uname/gname, whole-second mtimes, no atime/ctime.
/// </summary>
public sealed class TarStreamWriter(Stream stream)
{
    private readonly byte[] _block = new byte[512];
    private long _remaining;
    private long _padding;
    private string? _current;

    public void WriteHeader(TarEntry e)
    {
        if (_remaining != 0) throw new InvalidOperationException($"tar: {_current} is missing {_remaining} bytes of data");
        FinishPadding();
        string name = e.Kind == TarEntryKind.Directory && !e.Name.EndsWith('/') ? e.Name + "/" : e.Name;
        var pax = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var (ustarName, prefix) = SplitName(name);
        if (ustarName is null) pax["path"] = Encoding.UTF8.GetBytes(name);
        if (Encoding.UTF8.GetByteCount(e.LinkName) > 100 || !IsAscii(e.LinkName)) pax["linkpath"] = Encoding.UTF8.GetBytes(e.LinkName);
        if (e.Uid > 0x1FFFFF) pax["uid"] = Encoding.ASCII.GetBytes(e.Uid.ToString());
        if (e.Gid > 0x1FFFFF) pax["gid"] = Encoding.ASCII.GetBytes(e.Gid.ToString());
        long size = e.Kind == TarEntryKind.Regular ? e.Size : 0;
        if (size > 077777777777L) pax["size"] = Encoding.ASCII.GetBytes(size.ToString());
        if (e.MtimeSeconds is < 0 or > 077777777777L) pax["mtime"] = Encoding.ASCII.GetBytes(e.MtimeSeconds.ToString());
        if (e.Xattrs != null)
            foreach (var (k, v) in e.Xattrs) pax["SCHILY.xattr." + k] = v;
        if (pax.Count > 0)
        {
            var data = EncodePax(pax);
            string pname = "PaxHeaders/" + Truncate(name.TrimEnd('/').Split('/')[^1], 80);
            WriteRawHeader(pname, "", (byte)'x', 0, 0, 0, data.Length, 0, 0, 0, "");
            stream.Write(data);
            Pad(data.Length);
        }
        byte type = e.Kind switch
        {
            TarEntryKind.Regular => (byte)'0',
            TarEntryKind.Hardlink => (byte)'1',
            TarEntryKind.Symlink => (byte)'2',
            TarEntryKind.CharDevice => (byte)'3',
            TarEntryKind.BlockDevice => (byte)'4',
            TarEntryKind.Directory => (byte)'5',
            _ => (byte)'6',
        };
        WriteRawHeader(ustarName ?? Truncate(name, 100), Truncate(e.LinkName, 100), type, e.Mode & 0xFFF,
            Math.Min(e.Uid, 0x1FFFFF), Math.Min(e.Gid, 0x1FFFFF), Math.Min(size, 077777777777L),
            Math.Clamp(e.MtimeSeconds, 0, 077777777777L), e.DevMajor, e.DevMinor, ustarName is null ? "" : prefix);
        _remaining = size;
        _padding = ((size + 511) & ~511L) - size;
        _current = e.Name;
    }

    public void WriteData(ReadOnlySpan<byte> data)
    {
        if (data.Length > _remaining) throw new InvalidOperationException($"tar: too much data for {_current}");
        stream.Write(data);
        _remaining -= data.Length;
    }

    /// <summary>Writes the end-of-archive marker (two zero blocks).</summary>
    public void Finish()
    {
        if (_remaining != 0) throw new InvalidOperationException($"tar: {_current} is missing {_remaining} bytes of data");
        FinishPadding();
        Array.Clear(_block);
        stream.Write(_block);
        stream.Write(_block);
    }

    private void FinishPadding()
    {
        if (_padding > 0) stream.Write(new byte[_padding]);
        _padding = 0;
    }

    private void Pad(long written)
    {
        int pad = (int)(((written + 511) & ~511L) - written);
        if (pad > 0) stream.Write(new byte[pad]);
    }

    private void WriteRawHeader(string name, string link, byte type, uint mode, long uid, long gid, long size, long mtime,
        uint devMajor, uint devMinor, string prefix)
    {
        var h = _block.AsSpan();
        h.Clear();
        PutString(h[..100], name);
        PutOctal(h.Slice(100, 8), mode);
        PutOctal(h.Slice(108, 8), uid);
        PutOctal(h.Slice(116, 8), gid);
        PutOctal(h.Slice(124, 12), size);
        PutOctal(h.Slice(136, 12), mtime);
        h[156] = type;
        PutString(h.Slice(157, 100), link);
        "ustar\0"u8.CopyTo(h.Slice(257, 6));
        "00"u8.CopyTo(h.Slice(263, 2));
        if (type is (byte)'3' or (byte)'4')
        {
            PutOctal(h.Slice(329, 8), devMajor);
            PutOctal(h.Slice(337, 8), devMinor);
        }
        PutString(h.Slice(345, 155), prefix);
        h.Slice(148, 8).Fill((byte)' ');
        long sum = 0;
        foreach (byte b in h) sum += b;
        PutOctal(h.Slice(148, 7), sum);
        h[155] = (byte)' ';
        stream.Write(h);
    }

    private static (string? Name, string Prefix) SplitName(string name)
    {
        if (!IsAscii(name)) return (null, "");
        // Longer names go to a PAX path record rather than the ustar prefix field, which some readers ignore.
        return name.Length <= 100 ? (name, "") : (null, "");
    }

    private static byte[] EncodePax(SortedDictionary<string, byte[]> records)
    {
        using var ms = new MemoryStream();
        foreach (var (k, v) in records)
        {
            int kb = Encoding.UTF8.GetByteCount(k);
            int rest = 1 + kb + 1 + v.Length + 1; // ' ' key '=' value '\n'
            int len = rest + 1;
            while (len.ToString().Length + rest != len) len = len.ToString().Length + rest;
            ms.Write(Encoding.ASCII.GetBytes(len + " " ));
            ms.Write(Encoding.UTF8.GetBytes(k + "="));
            ms.Write(v);
            ms.WriteByte((byte)'\n');
        }
        return ms.ToArray();
    }

    private static void PutString(Span<byte> field, string s)
    {
        int n = Encoding.UTF8.GetBytes(s.AsSpan(), field);
        if (n < field.Length) field[n] = 0;
    }

    private static void PutOctal(Span<byte> field, long value)
    {
        var s = Convert.ToString(value, 8).PadLeft(field.Length - 1, '0');
        Encoding.ASCII.GetBytes(s, field);
        field[^1] = 0;
    }

    private static bool IsAscii(string s)
    {
        foreach (char c in s) if (c >= 0x80) return false;
        return true;
    }

    private static string Truncate(string s, int max)
    {
        if (Encoding.UTF8.GetByteCount(s) <= max && IsAscii(s)) return s;
        var sb = new StringBuilder();
        foreach (char c in s) { if (c < 0x80 && sb.Length < max) sb.Append(c); }
        return sb.ToString();
    }
}
