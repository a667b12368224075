using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary><c>-p</c> end to end: busybox httpd in a detached container, fetched from the host through the published port.</summary>
[Trait("Category", "Integration")]
public sealed class PortPublishTests(ContainerImages images) : IClassFixture<ContainerImages>
{
    [Fact]
    public async Task A_published_port_reaches_httpd_in_the_container_and_inspect_shows_the_address()
    {
        string root = images.Root.Path;
        int port = FreePort();
        string name = "web-" + Guid.NewGuid().ToString("N")[..8];
        (await KistAsync(root, "run", "-d", "--name", name, "-p", $"{port}:80", images.Plain,
            "sh", "-c", "mkdir -p /www && echo hello-from-kist > /www/index.html && httpd -f -p 80 -h /www")).ShouldSucceed();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            string? body = null;
            for (int i = 0; i < 50 && body is null; i++)
            {
                try { body = await http.GetStringAsync($"http://127.0.0.1:{port}/"); }
                catch (HttpRequestException) { await Task.Delay(100); }
            }
            Assert.Equal("hello-from-kist\n", body);
            string ip = (await KistAsync(root, "inspect", "-f", "{{.NetworkSettings.IPAddress}}", name)).ShouldSucceed().Stdout.Trim();
            Assert.StartsWith("10.213.", ip);
            Assert.Equal("hello-from-kist\n", await http.GetStringAsync($"http://{ip}:80/"));
            Assert.Contains($"0.0.0.0:{port}->80/tcp", (await KistAsync(root, "ps")).Stdout);
        }
        finally
        {
            (await KistAsync(root, "rm", "-f", name)).ShouldSucceed();
        }
        await ContainerLeaks.AssertNoneAsync(root);
    }

    /// <summary>A host port nothing listens on now (the kernel's pick), so the published port cannot collide with one.</summary>
    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Any, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
