using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kist.Oci;

namespace Kist.Oci.Tests;

public class DigestTests
{
    private static readonly string Hex64 = new('a', 64);
    private static readonly string Hex128 = new('b', 128);

    [Fact]
    public void Parses_sha256_and_sha512()
    {
        var d = Digest.Parse("sha256:" + Hex64);
        Assert.Equal("sha256", d.Algorithm);
        Assert.Equal(Hex64, d.Encoded);
        Assert.Equal("sha256:" + Hex64, d.ToString());
        Assert.Equal("aaaaaaaaaaaa", d.Short);
        Assert.False(d.IsDefault);

        var e = Digest.Parse("sha512:" + Hex128);
        Assert.Equal("sha512", e.Algorithm);
        Assert.Equal(Hex128, e.Encoded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sha256")]
    [InlineData("sha256:")]
    [InlineData(":aaaa")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // no algorithm
    [InlineData("SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // algorithm is case-sensitive
    [InlineData("sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // uppercase hex
    [InlineData("sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaA")]
    [InlineData("sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // 63
    [InlineData("sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // 65
    [InlineData("sha256:gaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // not hex
    [InlineData("sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa ")]
    [InlineData("sha512:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // sha512 with 64
    [InlineData("sha384:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("md5:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("sha256+b64:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8")]
    public void Rejects_invalid_digests(string value)
    {
        var e = Assert.Throws<InvalidInputException>(() => Digest.Parse(value));
        Assert.StartsWith("invalid digest", e.Message);
        Assert.False(Digest.TryParse(value, out _));
    }

    [Fact]
    public void TryParse_of_null_is_false()
    {
        Assert.False(Digest.TryParse(null, out var d));
        Assert.True(d.IsDefault);
        Assert.Equal("", d.ToString());
    }

    [Fact]
    public void Sha512_with_128_uppercase_hex_is_rejected_and_130_too()
    {
        Assert.False(Digest.TryParse("sha512:" + Hex128.ToUpperInvariant(), out _));
        Assert.False(Digest.TryParse("sha512:" + Hex128 + "bb", out _));
    }

    [Fact]
    public void Long_garbage_is_truncated_in_the_message()
    {
        var e = Assert.Throws<InvalidInputException>(() => Digest.Parse(new string('x', 10_000) + ":1"));
        Assert.True(e.Message.Length < 400);
    }

    [Fact]
    public void Compute_matches_sha256_of_the_bytes()
    {
        var bytes = Encoding.UTF8.GetBytes("hello");
        Assert.Equal("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", Digest.Compute(bytes).ToString());
        Assert.Equal("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digest.Compute([]).ToString());
        var fromHash = Digest.FromHash(Digest.Sha512, SHA512.HashData(bytes));
        Assert.Equal(128, fromHash.Encoded.Length);
        Assert.Equal(fromHash, Digest.Parse(fromHash.ToString()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(55)]
    [InlineData(56)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(4096)]
    [InlineData(100_003)]
    public void Compute_in_managed_code_agrees_with_OpenSSL_at_every_padding_boundary(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        Assert.Equal(Digest.FromHash(Digest.Sha256, SHA256.HashData(bytes)), Digest.Compute(bytes));
    }

    [Fact]
    public void RandomHex_is_lowercase_hex_of_the_asked_length_and_does_not_repeat()
    {
        var seen = new HashSet<string>();
        for (int i = 0; i < 1000; i++)
        {
            string id = RandomHex.Create(32);
            Assert.Equal(64, id.Length);
            Assert.True(Digest.TryParse("sha256:" + id, out _), id);
            Assert.True(seen.Add(id));
        }
        Assert.Equal(8, RandomHex.Create(4).Length);
    }

    [Fact]
    public void FromSha256Hex_validates()
    {
        Assert.Equal("sha256:" + Hex64, Digest.FromSha256Hex(Hex64).ToString());
        Assert.Throws<InvalidInputException>(() => Digest.FromSha256Hex("abc"));
    }

    [Fact]
    public void CreateHash_uses_the_digest_algorithm()
    {
        var bytes = Encoding.UTF8.GetBytes("kist");
        var d512 = Digest.FromHash(Digest.Sha512, SHA512.HashData(bytes));
        using (var h = d512.CreateHash())
        {
            h.AppendData(bytes);
            Assert.Equal(d512, Digest.FromHash(Digest.Sha512, h.GetCurrentHash()));
        }
        var d256 = Digest.Compute(bytes);
        using (var h = d256.CreateHash())
        {
            h.AppendData(bytes);
            Assert.Equal(d256, Digest.FromHash(Digest.Sha256, h.GetCurrentHash()));
        }
    }

    [Fact]
    public void Equality_ordering_and_hashing()
    {
        var a = Digest.Parse("sha256:" + new string('1', 64));
        var b = Digest.Parse("sha256:" + new string('2', 64));
        Assert.Equal(a, Digest.Parse(a.ToString()));
        Assert.Equal(a.GetHashCode(), Digest.Parse(a.ToString()).GetHashCode());
        Assert.True(a.CompareTo(b) < 0);
        Assert.Single(new HashSet<Digest> { a, Digest.Parse(a.ToString()) });
    }

    [Fact]
    public void Json_round_trip_and_invalid_json_digest()
    {
        var d = new Descriptor { MediaType = MediaTypes.OciLayer, Digest = Digest.Parse("sha256:" + Hex64), Size = 3 };
        var json = JsonSerializer.Serialize(d, OciJsonContext.Default.Descriptor);
        Assert.Contains("\"digest\":\"sha256:" + Hex64 + "\"", json);
        Assert.Equal(d, JsonSerializer.Deserialize(json, OciJsonContext.Default.Descriptor));

        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json.Replace("sha256:", "SHA256:"), OciJsonContext.Default.Descriptor));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json.Replace("\"sha256:" + Hex64 + "\"", "42"), OciJsonContext.Default.Descriptor));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json.Replace("\"sha256:" + Hex64 + "\"", "null"), OciJsonContext.Default.Descriptor));
    }
}
