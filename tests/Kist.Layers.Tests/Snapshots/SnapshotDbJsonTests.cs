using System.Text;
using System.Text.Json;
using Kist.Snapshots;

namespace Kist.Layers.Tests.Snapshots;

public sealed class SnapshotDbJsonTests
{
    // As System.Text.Json wrote the table (indented, enums by name) before the hand-written reader and writer.
    private const string SerializerOutput = """
        {
          "NextId": 165,
          "Snapshots": {
            "init-sha256:a9f8c29b6d9b142f1ffd40bcf75afa2a54847bba90e83191d2895254dc4ceb0d": {
              "Id": 2,
              "Kind": "Committed",
              "Parent": "sha256:a9f8c29b6d9b142f1ffd40bcf75afa2a54847bba90e83191d2895254dc4ceb0d",
              "Created": "2026-11-27T21:59:21.9279556+00:00"
            },
            "sha256:a9f8c29b6d9b142f1ffd40bcf75afa2a54847bba90e83191d2895254dc4ceb0d": {
              "Id": 1,
              "Kind": "Committed",
              "Parent": null,
              "Created": "2026-11-27T21:59:21.8798761+00:00"
            }
          }
        }
        """;

    [Fact]
    public void Reads_what_the_serializer_wrote_and_writes_it_back_byte_for_byte()
    {
        var db = SnapshotDbJson.Read(Encoding.UTF8.GetBytes(SerializerOutput));
        Assert.Equal(165, db.NextId);
        var init = db.Snapshots["init-sha256:a9f8c29b6d9b142f1ffd40bcf75afa2a54847bba90e83191d2895254dc4ceb0d"];
        Assert.Equal((2, SnapshotKind.Committed), (init.Id, init.Kind));
        Assert.Equal("sha256:a9f8c29b6d9b142f1ffd40bcf75afa2a54847bba90e83191d2895254dc4ceb0d", init.Parent);
        Assert.Equal(DateTimeOffset.Parse("2026-11-27T21:59:21.9279556+00:00", System.Globalization.CultureInfo.InvariantCulture), init.Created);
        Assert.Null(db.Snapshots["sha256:a9f8c29b6d9b142f1ffd40bcf75afa2a54847bba90e83191d2895254dc4ceb0d"].Parent);
        Assert.Equal(SerializerOutput, Encoding.UTF8.GetString(SnapshotDbJson.Write(db)));
    }

    [Fact]
    public void An_empty_or_null_table_is_empty_and_unknown_properties_are_ignored()
    {
        Assert.Empty(SnapshotDbJson.Read("null"u8).Snapshots);
        var db = SnapshotDbJson.Read("""{"Extra": [1, {"a": 2}], "Snapshots": {"k": {"Id": 7, "Kind": 1, "Created": "2026-01-01T00:00:00+00:00", "New": true}}}"""u8);
        Assert.Equal(1, db.NextId);
        Assert.Equal((7, SnapshotKind.Active, null), (db.Snapshots["k"].Id, db.Snapshots["k"].Kind, db.Snapshots["k"].Parent));
    }

    [Fact]
    public void Every_kind_is_written_by_its_name_and_read_back()
    {
        foreach (var kind in Enum.GetValues<SnapshotKind>())
        {
            var db = new SnapshotDb { NextId = 3 };
            db.Snapshots["k"] = new SnapshotRecord { Id = 2, Kind = kind, Created = DateTimeOffset.UnixEpoch };
            byte[] json = SnapshotDbJson.Write(db);
            Assert.Contains($"\"Kind\": \"{kind}\"", Encoding.UTF8.GetString(json));
            Assert.Equal(kind, SnapshotDbJson.Read(json).Snapshots["k"].Kind);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("""{"NextId": "x"}""")]
    [InlineData("""{"Snapshots": {"k": {"Kind": "Active", "Created": "2026-01-01T00:00:00+00:00"}}}""")]
    [InlineData("""{"Snapshots": {"k": {"Id": 1, "Kind": "Mounted", "Created": "2026-01-01T00:00:00+00:00"}}}""")]
    [InlineData("""{"Snapshots": {"k": {"Id": 1, "Kind": 9, "Created": "2026-01-01T00:00:00+00:00"}}}""")]
    [InlineData("""{"Snapshots": {"k": {"Id": 1, "Kind": "View", "Created": "yesterday"}}}""")]
    [InlineData("""{"NextId": 1""")]
    public void A_damaged_table_is_an_error(string json) =>
        Assert.ThrowsAny<JsonException>(() => SnapshotDbJson.Read(Encoding.UTF8.GetBytes(json)));
}
