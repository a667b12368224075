using System.Security.Cryptography;
using System.Text;
using Kist.Oci;

namespace Kist.Build.Cache;

/// <summary>
/// Cache keys: a step's key hashes its parent's key with everything that decides its result (the instruction after
/// expansion, the environment and build args it sees, the COPY sources' checksum…). Fields are length-prefixed, so
/// no two different field lists give the same bytes.
/// </summary>
public sealed class CacheKey
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    private CacheKey(string kind) => Add(kind);

    /// <summary>
    /// The key of a stage started from an image: its config digest (the image ID, which names its layers' diffIDs). Not
    /// the manifest's: the same image pulled, loaded from an archive or recompressed has another manifest but the same
    /// content, and an exported cache must match on any machine that has it.
    /// </summary>
    public static string ForImage(Digest config) => Start("image").Add(config.ToString()).Finish();

    public static string Scratch { get; } = Start("scratch").Finish();

    /// <summary>Begins the key of a step over <paramref name="parent"/>.</summary>
    public static CacheKey Step(string parent, string instruction) => Start("step").Add(parent).Add(instruction);

    private static CacheKey Start(string kind) => new(kind);

    public CacheKey Add(string field)
    {
        var bytes = Encoding.UTF8.GetBytes(field);
        Span<byte> length = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, bytes.Length);
        _hash.AppendData(length);
        _hash.AppendData(bytes);
        return this;
    }

    public CacheKey AddAll(IEnumerable<string> fields)
    {
        var list = fields.ToList();
        Add(list.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var f in list) Add(f);
        return this;
    }

    /// <summary>The key: <c>sha256:…</c>.</summary>
    public string Finish()
    {
        string key = "sha256:" + Convert.ToHexStringLower(_hash.GetHashAndReset());
        _hash.Dispose();
        return key;
    }
}
