using System.Buffers;
using System.Text;
using Kist.Oci;

namespace Kist.Layers.Tar;

/// <summary>
/// A streaming tar reader for layers: ustar, PAX (local and global), GNU long names and links, base-256 numbers,
/// and the pre-Go-1.8 GNU-magic-with-ustar-prefix quirk. Unlike System.Formats.Tar it keeps PAX xattr values as
/// raw bytes (security.capability is binary), which is why Kist reads tars itself.
/// </summary>
public sealed class TarStreamReader(Stream stream)
{
    private const int MaxSpecialSize = 1 << 20;
    private readonly byte[] _block = new byte[512];
    private long _remaining;
    private long _padding;
    private bool _ended;
    private TarEntry? _current;

    public long EntriesRead { get; private set; }

    /// <summary>The next entry, or null at the end of the archive. Unread data of the previous entry is skipped.</summary>
    public TarEntry? Next()
    {
        if (_ended) return null;
        Skip(_remaining + _padding);
        _remaining = _padding = 0;
        string? longName = null, longLink = null;
        Dictionary<string, byte[]>? pax = null;
        while (true)
        {
            if (!ReadBlock())
            {
                if (longName != null || longLink != null || pax != null)
                    throw new InvalidInputException("tar: archive ends after an extended header");
                _ended = true;
                return null;
            }
            if (IsZero(_block))
            {
                _ended = true;
                return null;
            }
            VerifyChecksum();
            byte type = _block[156];
            long size = ParseNumeric(_block.AsSpan(124, 12), "size");
            if (size < 0) throw new InvalidInputException("tar: negative size");
            switch (type)
            {
                case (byte)'x':
                    pax ??= new Dictionary<string, byte[]>(StringComparer.Ordinal);
                    ParsePax(ReadSpecial(size), pax);
                    continue;
                case (byte)'g':
                    ParsePax(ReadSpecial(size), new Dictionary<string, byte[]>(StringComparer.Ordinal));
                    continue;
                case (byte)'L':
                    longName = CString(ReadSpecial(size));
                    continue;
                case (byte)'K':
                    longLink = CString(ReadSpecial(size));
                    continue;
                case (byte)'V':
                    Skip(Pad(size));
                    continue;
            }
            var entry = BuildEntry(type, size, longName, longLink, pax);
            if (entry.Kind == TarEntryKind.Regular)
            {
                _remaining = entry.Size;
                _padding = Pad(entry.Size) - entry.Size;
            }
            else
            {
                _remaining = 0;
                _padding = Pad(entry.Size);
            }
            EntriesRead++;
            _current = entry;
            return entry;
        }
    }

    /// <summary>Reads the current regular entry's data; 0 at its end.</summary>
    public int Read(Span<byte> buffer)
    {
        if (_remaining <= 0) return 0;
        int want = (int)Math.Min(buffer.Length, _remaining);
        int n = stream.Read(buffer[..want]);
        if (n == 0) throw new InvalidInputException($"tar: archive truncated in the data of {_current?.Name}");
        _remaining -= n;
        return n;
    }

    /// <summary>Reads whatever follows the end-of-archive marker (so a digest covers the whole stream).</summary>
    public void DrainToEnd()
    {
        var buf = ArrayPool<byte>.Shared.Rent(65536);
        try { while (stream.Read(buf) > 0) { } }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    private TarEntry BuildEntry(byte type, long size, string? longName, string? longLink, Dictionary<string, byte[]>? pax)
    {
        var h = _block.AsSpan();
        string name = CString(h[..100]);
        string link = CString(h.Slice(157, 100));
        bool ustar = h.Slice(257, 6).SequenceEqual("ustar\0"u8);
        bool gnu = h.Slice(257, 8).SequenceEqual("ustar  \0"u8);
        if (ustar)
        {
            string prefix = CString(h.Slice(345, 155));
            if (prefix.Length > 0) name = prefix + "/" + name;
        }
        else if (gnu && !(IsNumeric(h.Slice(345, 12)) && IsNumeric(h.Slice(357, 12))))
        {
            // Old Go writers put a ustar prefix into GNU headers; Go (and so docker) reads it back as a prefix.
            var raw = h.Slice(345, 155);
            int end = raw.IndexOf((byte)0);
            if (end < 0) end = raw.Length;
            bool ascii = true;
            foreach (byte b in raw[..end]) if (b >= 0x80) { ascii = false; break; }
            if (ascii && end > 0) name = Encoding.ASCII.GetString(raw[..end]) + "/" + name;
        }
        if (longName != null) name = longName;
        if (longLink != null) link = longLink;
        var entry = new TarEntry
        {
            Name = name,
            Kind = TarEntryKind.Regular,
            LinkName = link,
            Mode = (uint)(ParseNumeric(h.Slice(100, 8), "mode") & 0xFFF),
            Uid = ParseNumeric(h.Slice(108, 8), "uid"),
            Gid = ParseNumeric(h.Slice(116, 8), "gid"),
            Size = size,
            MtimeSeconds = ParseNumeric(h.Slice(136, 12), "mtime"),
            UserName = ustar || gnu ? CString(h.Slice(265, 32)) : "",
            GroupName = ustar || gnu ? CString(h.Slice(297, 32)) : "",
        };
        if (ustar || gnu)
        {
            entry.DevMajor = (uint)ParseNumeric(h.Slice(329, 8), "devmajor");
            entry.DevMinor = (uint)ParseNumeric(h.Slice(337, 8), "devminor");
        }
        if (pax != null) ApplyPax(entry, pax);
        entry.Kind = type switch
        {
            (byte)'0' or (byte)'7' => TarEntryKind.Regular,
            0 => entry.Name.EndsWith('/') ? TarEntryKind.Directory : TarEntryKind.Regular,
            (byte)'1' => TarEntryKind.Hardlink,
            (byte)'2' => TarEntryKind.Symlink,
            (byte)'3' => TarEntryKind.CharDevice,
            (byte)'4' => TarEntryKind.BlockDevice,
            (byte)'5' => TarEntryKind.Directory,
            (byte)'6' => TarEntryKind.Fifo,
            (byte)'S' => throw new InvalidInputException($"tar entry {entry.Name}: sparse files are not supported"),
            _ => throw new InvalidInputException($"tar entry {entry.Name}: unsupported entry type '{(char)type}'"),
        };
        if (entry.Size < 0) throw new InvalidInputException($"tar entry {entry.Name}: negative size");
        return entry;
    }

    private static void ApplyPax(TarEntry entry, Dictionary<string, byte[]> pax)
    {
        foreach (var (key, value) in pax)
        {
            switch (key)
            {
                case "path": entry.Name = Encoding.UTF8.GetString(value); break;
                case "linkpath": entry.LinkName = Encoding.UTF8.GetString(value); break;
                case "size": entry.Size = ParseDecimal(value, key); break;
                case "uid": entry.Uid = ParseDecimal(value, key); break;
                case "gid": entry.Gid = ParseDecimal(value, key); break;
                case "uname": entry.UserName = Encoding.UTF8.GetString(value); break;
                case "gname": entry.GroupName = Encoding.UTF8.GetString(value); break;
                case "mtime": (entry.MtimeSeconds, entry.MtimeNanoseconds) = ParseTime(value); break;
                default:
                    if (key.StartsWith("SCHILY.xattr.", StringComparison.Ordinal))
                        (entry.Xattrs ??= new(StringComparer.Ordinal))[key["SCHILY.xattr.".Length..]] = value;
                    else if (key.StartsWith("LIBARCHIVE.xattr.", StringComparison.Ordinal))
                        (entry.Xattrs ??= new(StringComparer.Ordinal))[Uri.UnescapeDataString(key["LIBARCHIVE.xattr.".Length..])] =
                            Convert.FromBase64String(Encoding.ASCII.GetString(value).PadRight((value.Length + 3) / 4 * 4, '='));
                    else if (key.StartsWith("GNU.sparse.", StringComparison.Ordinal))
                        throw new InvalidInputException($"tar entry {entry.Name}: sparse files are not supported");
                    break;
            }
        }
    }

    private static void ParsePax(byte[] data, Dictionary<string, byte[]> into)
    {
        int pos = 0;
        while (pos < data.Length)
        {
            if (data[pos] == 0) break;
            int sp = Array.IndexOf(data, (byte)' ', pos);
            if (sp < 0) throw new InvalidInputException("tar: malformed PAX record");
            if (!int.TryParse(data.AsSpan(pos, sp - pos), System.Globalization.NumberStyles.None, null, out int len) ||
                len <= sp - pos || pos + len > data.Length || data[pos + len - 1] != (byte)'\n')
                throw new InvalidInputException("tar: malformed PAX record");
            var rec = data.AsSpan(sp + 1, pos + len - 1 - (sp + 1));
            int eq = rec.IndexOf((byte)'=');
            if (eq <= 0) throw new InvalidInputException("tar: malformed PAX record");
            string key = Encoding.UTF8.GetString(rec[..eq]);
            into[key] = rec[(eq + 1)..].ToArray();
            pos += len;
        }
    }

    private static long ParseDecimal(byte[] value, string key)
    {
        if (!long.TryParse(value, System.Globalization.NumberStyles.None, null, out long v))
            throw new InvalidInputException($"tar: invalid PAX {key}");
        return v;
    }

    private static (long, uint) ParseTime(byte[] value)
    {
        var s = Encoding.ASCII.GetString(value);
        bool neg = s.StartsWith('-');
        if (neg) s = s[1..];
        var parts = s.Split('.', 2);
        if (!long.TryParse(parts[0], System.Globalization.NumberStyles.None, null, out long sec))
            throw new InvalidInputException("tar: invalid PAX mtime");
        uint nsec = 0;
        if (parts.Length == 2)
        {
            var frac = (parts[1] + "000000000")[..9];
            if (!uint.TryParse(frac, System.Globalization.NumberStyles.None, null, out nsec))
                throw new InvalidInputException("tar: invalid PAX mtime");
        }
        if (neg) { sec = -sec; if (nsec > 0) { sec -= 1; nsec = 1_000_000_000 - nsec; } }
        return (sec, nsec);
    }

    private byte[] ReadSpecial(long size)
    {
        if (size > MaxSpecialSize) throw new InvalidInputException("tar: extended header too large");
        var data = new byte[size];
        ReadExactly(data);
        Skip(Pad(size) - size);
        return data;
    }

    private bool ReadBlock()
    {
        int total = 0;
        while (total < 512)
        {
            int n = stream.Read(_block.AsSpan(total));
            if (n == 0)
            {
                if (total == 0) return false;
                throw new InvalidInputException("tar: archive truncated inside a header");
            }
            total += n;
        }
        return true;
    }

    private void ReadExactly(Span<byte> buf)
    {
        try { stream.ReadExactly(buf); }
        catch (EndOfStreamException) { throw new InvalidInputException("tar: archive truncated"); }
    }

    private void Skip(long count)
    {
        if (count <= 0) return;
        var buf = ArrayPool<byte>.Shared.Rent((int)Math.Min(count, 65536));
        try
        {
            while (count > 0)
            {
                int n = stream.Read(buf.AsSpan(0, (int)Math.Min(count, buf.Length)));
                if (n == 0) throw new InvalidInputException("tar: archive truncated");
                count -= n;
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    private void VerifyChecksum()
    {
        long stored = ParseNumeric(_block.AsSpan(148, 8), "checksum");
        long unsigned = 0, signed = 0;
        for (int i = 0; i < 512; i++)
        {
            byte b = i is >= 148 and < 156 ? (byte)' ' : _block[i];
            unsigned += b;
            signed += (sbyte)b;
        }
        if (stored != unsigned && stored != signed) throw new InvalidInputException("tar: invalid header checksum (not a tar archive?)");
    }

    private static long Pad(long size) => (size + 511) & ~511L;

    private static bool IsZero(ReadOnlySpan<byte> b) => b.IndexOfAnyExcept((byte)0) < 0;

    private static string CString(ReadOnlySpan<byte> b)
    {
        int end = b.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? b : b[..end]);
    }

    private static bool IsNumeric(ReadOnlySpan<byte> b)
    {
        try { ParseNumeric(b, "time"); return true; }
        catch (InvalidInputException) { return false; }
    }

    internal static long ParseNumeric(ReadOnlySpan<byte> b, string field)
    {
        if (b.Length > 0 && (b[0] & 0x80) != 0)
        {
            if (b[0] == 0xff) throw new InvalidInputException($"tar: negative {field}");
            long v = b[0] & 0x7f;
            for (int i = 1; i < b.Length; i++)
            {
                if (v > (long.MaxValue >> 8)) throw new InvalidInputException($"tar: {field} overflows");
                v = (v << 8) | b[i];
            }
            return v;
        }
        b = b.Trim((byte)' ').Trim((byte)0).Trim((byte)' ');
        int nul = b.IndexOf((byte)0);
        if (nul >= 0) b = b[..nul];
        long r = 0;
        foreach (byte c in b)
        {
            if (c is < (byte)'0' or > (byte)'7') throw new InvalidInputException($"tar: invalid {field} field");
            r = (r << 3) | (uint)(c - '0');
        }
        return r;
    }
}
