using System.Text;
using System.Text.Json;
using Kist.Oci;

namespace Kist.Oci.Tests;

/// <summary>JSON escaping of the files only Kist and the runtime read: what JSON requires, nothing more.</summary>
public sealed class PlainJsonEncoderTests
{
    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = PlainJsonEncoder.Instance })) write(writer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a\"b\\c", "\"a\\u0022b\\u005cc\"")]
    [InlineData("line\nbreak\ttab\u0001\u001f", "\"line\\u000abreak\\u0009tab\\u0001\\u001f\"")]
    [InlineData("sh -c 'echo a+b <x> && y`z`'", "\"sh -c 'echo a+b <x> && y`z`'\"")]
    [InlineData("grüße 日本 😀", "\"grüße 日本 😀\"")]
    public void Strings_escape_only_what_json_requires(string value, string expected)
    {
        Assert.Equal(expected, Write(w => w.WriteStringValue(value)));
        Assert.Equal(expected, Write(w => w.WriteStringValue(Encoding.UTF8.GetBytes(value))));
        Assert.Equal(value, JsonDocument.Parse(expected).RootElement.GetString());
    }

    [Fact]
    public void Property_names_and_long_values_round_trip()
    {
        string name = "key \"with\" <quotes> & ü";
        string value = string.Concat(Enumerable.Repeat("ab\ncd\"ü😀\\", 2000));
        string json = Write(w =>
        {
            w.WriteStartObject();
            w.WriteString(name, value);
            w.WriteEndObject();
        });
        var property = Assert.Single(JsonDocument.Parse(json).RootElement.EnumerateObject());
        Assert.Equal(name, property.Name);
        Assert.Equal(value, property.Value.GetString());
        Assert.DoesNotContain('\n', json);
    }

    [Fact]
    public void Invalid_utf16_and_utf8_are_written_as_the_default_encoder_writes_them()
    {
        Assert.Equal(DefaultReading(w => w.WriteStringValue("a\ud800b")), Reading(Write(w => w.WriteStringValue("a\ud800b"))));
        byte[] invalid = [(byte)'a', 0xff, 0xc3, (byte)'b', 0xe2, 0x82];
        Assert.Equal(DefaultReading(w => w.WriteStringValue(invalid)), Reading(Write(w => w.WriteStringValue(invalid))));

        static string? Reading(string json) => JsonDocument.Parse(json).RootElement.GetString();
        static string? DefaultReading(Action<Utf8JsonWriter> write)
        {
            var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer)) write(writer);
            return JsonDocument.Parse(buffer.ToArray()).RootElement.GetString();
        }
    }
}
