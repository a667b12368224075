using System.Text;
using System.Text.Json;
using Kist.Runtime.State;

namespace Kist.Runtime.Tests.State;

public sealed class ContainerStateReaderTests
{
    public static TheoryData<ContainerState> States() =>
    [
        new ContainerState(),
        new ContainerState
        {
            Status = ContainerStatus.Running, Pid = 4242, ExitCode = 0, Error = "", StartedAt = DateTimeOffset.Parse("2026-11-27T21:59:21.9279556+01:00", System.Globalization.CultureInfo.InvariantCulture),
            Monitor = new ProcessIdentity(4000, 123456789012), Network = new NetworkInfo("bridge", "10.88.0.5", 16, "10.88.0.1", "02:42:0a:58:00:05", "/var/run/netns/kist-x"),
        },
        new ContainerState
        {
            Status = ContainerStatus.Exited, ExitCode = 137, Error = "the container's monitor process died \"quoted\"\n", OOMKilled = true,
            StartedAt = DateTimeOffset.UnixEpoch, FinishedAt = DateTimeOffset.UnixEpoch.AddDays(1), RestartRequested = true,
            Network = new NetworkInfo("none", null, 0, null, null, null),
        },
    ];

    [Theory]
    [MemberData(nameof(States))]
    public void Reads_what_the_state_writer_writes_as_the_serializer_reads_it(ContainerState state)
    {
        byte[] json = StateDocumentWriter.State(state);
        Assert.Equal(state, ContainerStateReader.Read(json));
        Assert.Equal(JsonSerializer.Deserialize(json, StateJson.Default.ContainerState), ContainerStateReader.Read(json));
    }

    [Fact]
    public void Skips_unknown_properties_and_keeps_the_defaults_of_missing_ones()
    {
        Assert.Null(ContainerStateReader.Read("null"u8));
        Assert.Equal(new ContainerState(), ContainerStateReader.Read("{}"u8));
        Assert.Equal(new ContainerState { Status = ContainerStatus.Exited, ExitCode = 3 }, ContainerStateReader.Read(
            """{"Status": "exited", "Future": {"a": [1, 2, {"b": null}]}, "ExitCode": 3, "Monitor": null, "Network": null, "StartedAt": null}"""u8));
        Assert.Equal(new ContainerState { Monitor = new ProcessIdentity(7, 9), Network = new NetworkInfo("host", null, 0, null, null, null) },
            ContainerStateReader.Read("""{"Monitor": {"Pid": 7, "StartTime": 9, "Extra": true}, "Network": {"Mode": "host", "Other": 1}}"""u8));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("""{"Pid": "x"}""")]
    [InlineData("""{"Pid": null}""")]
    [InlineData("""{"OOMKilled": 1}""")]
    [InlineData("""{"StartedAt": "yesterday"}""")]
    [InlineData("""{"Monitor": [1]}""")]
    [InlineData("{\"Status\": \"exited\"")]
    public void A_damaged_state_is_a_json_error_as_from_the_serializer(string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(bytes, StateJson.Default.ContainerState));
        Assert.ThrowsAny<JsonException>(() => ContainerStateReader.Read(bytes));
    }
}
