using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary><c>kist save IMAGE | docker load</c>: the archive streams into a pipe, as <c>docker save</c>'s does.</summary>
[Trait("Category", "Integration")]
public sealed class SaveToPipeTests(ContainerImages images) : IClassFixture<ContainerImages>
{
    [Fact]
    public async Task Save_to_a_pipe_loads_into_docker()
    {
        string tag = $"kist-pipe-test-{Guid.NewGuid():N}"[..28] + ":1";
        (await KistAsync(images.Root.Path, "tag", images.Plain, tag)).ShouldSucceed();
        try
        {
            var load = (await RunAsync("sh", ["-c", "\"$0\" --root \"$1\" save \"$2\" | docker load", KistBinary, images.Root.Path, tag])).ShouldSucceed();
            Assert.Contains("Loaded image: " + tag, load.Stdout);
            var saved = (await RunAsync("sh", ["-c", "\"$0\" --root \"$1\" save \"$2\" | tar -t", KistBinary, images.Root.Path, tag])).ShouldSucceed();
            Assert.Contains("manifest.json", saved.Lines);
            Assert.Contains("index.json", saved.Lines);
        }
        finally
        {
            await Docker.RunAsync("rmi", tag);
        }
    }
}
