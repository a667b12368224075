using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;

namespace Kist.Oci;

/// <summary>
/// Escapes only what JSON requires (the quotation mark, the reverse solidus and control characters, as \uXXXX) and
/// writes every other character as itself, in UTF-8. For the files only Kist and the runtime read (a container's
/// record, state and config.json, the snapshot table): <see cref="JavaScriptEncoder.Default"/> and
/// <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/> share a static constructor that builds bitmaps of all of
/// Unicode, which took ~0.3 ms of every container start (perf), for files that contain ASCII.
/// </summary>
public sealed class PlainJsonEncoder : JavaScriptEncoder
{
    // The control characters, the quotation mark and the reverse solidus.
    private const string EscapedCharacters = "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\"\\";
    private static readonly SearchValues<char> Escaped = SearchValues.Create(EscapedCharacters);
    private static readonly SearchValues<byte> EscapedBytes = SearchValues.Create(Encoding.ASCII.GetBytes(EscapedCharacters));

    public static PlainJsonEncoder Instance { get; } = new();

    private PlainJsonEncoder() { }

    public override int MaxOutputCharactersPerInputCharacter => 6; // \uXXXX

    public override bool WillEncode(int unicodeScalar) => unicodeScalar is < 0x20 or '"' or '\\';

    // A surrogate is handed to the encoding too, which writes a valid pair as itself and a lone one as U+FFFD (as the
    // default encoder reads it); left to the writer's own transcoding, a lone surrogate ended the string there.
    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var span = new ReadOnlySpan<char>(text, textLength);
        return First(span.IndexOfAny(Escaped), span.IndexOfAnyInRange('\ud800', '\udfff'));
    }

    // Likewise non-ASCII UTF-8 goes through the encoding, which checks it (an invalid sequence is written as U+FFFD).
    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
        => First(utf8Text.IndexOfAny(EscapedBytes), utf8Text.IndexOfAnyInRange((byte)0x80, (byte)0xff));

    /// <summary>The smaller of two indexes, either of which may be -1 (not found).</summary>
    private static int First(int a, int b) => a < 0 ? b : b < 0 ? a : Math.Min(a, b);

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        if (!WillEncode(unicodeScalar))
        {
            return new Rune(unicodeScalar).TryEncodeToUtf16(new Span<char>(buffer, bufferLength), out numberOfCharactersWritten);
        }
        numberOfCharactersWritten = 0;
        if (bufferLength < 6) return false;
        const string hex = "0123456789abcdef";
        buffer[0] = '\\';
        buffer[1] = 'u';
        buffer[2] = '0';
        buffer[3] = '0';
        buffer[4] = hex[unicodeScalar >> 4];
        buffer[5] = hex[unicodeScalar & 0xF];
        numberOfCharactersWritten = 6;
        return true;
    }
}
