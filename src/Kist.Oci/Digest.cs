using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kist.Oci;

/// <summary>A validated content digest, <c>algorithm:encoded</c> (sha256 or sha512, lowercase hex).</summary>
[JsonConverter(typeof(DigestJsonConverter))]
public readonly record struct Digest : IComparable<Digest>
{
    public const string Sha256 = "sha256";
    public const string Sha512 = "sha512";

    public string Algorithm { get; }
    public string Encoded { get; }

    private Digest(string algorithm, string encoded)
    {
        Algorithm = algorithm;
        Encoded = encoded;
    }

    public static Digest Parse(string value) =>
        TryParse(value, out var digest, out var error) ? digest : throw new InvalidInputException($"invalid digest \"{Truncate(value)}\": {error}");

    public static bool TryParse(string? value, out Digest digest) => TryParse(value, out digest, out _);

    private static bool TryParse(string? value, out Digest digest, out string error)
    {
        digest = default;
        if (string.IsNullOrEmpty(value)) { error = "empty"; return false; }
        int colon = value.IndexOf(':');
        if (colon <= 0) { error = "missing algorithm"; return false; }
        string algorithm = value[..colon], encoded = value[(colon + 1)..];
        int length = algorithm switch { Sha256 => 64, Sha512 => 128, _ => -1 };
        if (length < 0) { error = $"unsupported algorithm \"{Truncate(algorithm)}\""; return false; }
        if (encoded.Length != length) { error = $"{algorithm} needs {length} hex characters"; return false; }
        foreach (char c in encoded)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) { error = "not lowercase hex"; return false; }
        }
        digest = new Digest(algorithm, encoded);
        error = "";
        return true;
    }

    public static Digest FromHash(string algorithm, ReadOnlySpan<byte> hash) =>
        new(algorithm, Convert.ToHexStringLower(hash));

    /// <summary>
    /// The sha256 digest of a document in memory (a manifest, config, index or chain ID), computed in managed code:
    /// the first use of OpenSSL in a process costs ~2.5 ms (loading and initialising libcrypto), more than a container
    /// start that reads only small documents should pay. Streams of layers use OpenSSL (<see cref="CreateHash"/>).
    /// </summary>
    public static Digest Compute(ReadOnlySpan<byte> data)
    {
        var sha256 = new Org.BouncyCastle.Crypto.Digests.Sha256Digest();
        sha256.BlockUpdate(data);
        Span<byte> hash = stackalloc byte[32];
        sha256.DoFinal(hash);
        return FromHash(Sha256, hash);
    }

    /// <summary>A sha256 digest from 64 hex characters (an image ID without its prefix).</summary>
    public static Digest FromSha256Hex(string hex) => Parse(Sha256 + ":" + hex);

    public bool IsDefault => Algorithm is null;

    /// <summary>The first 12 hex characters, as docker shows image IDs.</summary>
    public string Short => Encoded[..12];

    public IncrementalHash CreateHash() =>
        IncrementalHash.CreateHash(Algorithm == Sha512 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256);

    public override string ToString() => Algorithm is null ? "" : Algorithm + ":" + Encoded;

    public int CompareTo(Digest other) => string.CompareOrdinal(ToString(), other.ToString());

    private static string Truncate(string s) => s.Length > 80 ? s[..80] + "…" : s;
}

public sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (!Digest.TryParse(value, out var digest)) throw new JsonException($"invalid digest \"{value}\"");
        return digest;
    }

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
