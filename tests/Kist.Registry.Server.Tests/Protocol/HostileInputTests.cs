using System.Net;
using System.Net.Sockets;
using System.Text;
using Kist.Registry.Server.Tests.Support;

namespace Kist.Registry.Server.Tests.Protocol;

public sealed class HostileInputTests : IAsyncLifetime
{
    private TestRegistry _registry = null!;
    private HttpClient Client => _registry.Client;

    public async Task InitializeAsync() => _registry = await TestRegistry.StartAsync();
    public async Task DisposeAsync() => await _registry.DisposeAsync();

    /// <summary>Sends a request line as written, without the client normalizing dot segments or escapes.</summary>
    private async Task<(int Status, string Response)> RawAsync(string method, string target)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _registry.Host.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        var text = await new StreamReader(stream, Encoding.ASCII).ReadToEndAsync();
        return (int.Parse(text.Split(' ')[1]), text);
    }

    [Theory]
    [InlineData("GET", "/v2/foo/../../../etc/manifests/latest")]
    [InlineData("GET", "/v2/foo/%2e%2e/bar/manifests/latest")]
    [InlineData("GET", "/v2/a/./b/manifests/latest")]
    [InlineData("GET", "/v2/foo%2Fbar/manifests/latest")]
    [InlineData("GET", "/v2/foo%2fbar/tags/list")]
    [InlineData("PUT", "/v2/..%2F..%2Ftmp/manifests/latest")]
    [InlineData("POST", "/v2/a/..%2F..%2Fx/blobs/uploads/")]
    [InlineData("GET", "/v2/Upper/manifests/latest")]
    [InlineData("GET", "/v2/a..b/manifests/latest")]
    [InlineData("GET", "/v2/-lead/manifests/latest")]
    [InlineData("GET", "/v2/a//b/manifests/latest")]
    [InlineData("GET", "/v2/_hidden/manifests/latest")]
    public async Task Bad_repository_names_are_name_invalid_and_touch_no_file(string method, string target)
    {
        var (status, response) = await RawAsync(method, target);
        Assert.True(status is 400 or 404, response);
        if (status == 400) Assert.Contains("NAME_INVALID", response);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_registry.Dir, "storage", "repositories")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_registry.Dir, "storage", "tmp")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_registry.Dir, "storage", "uploads")));
        Assert.Single(Directory.GetFileSystemEntries(_registry.Dir));
    }

    [Fact]
    public async Task Overlong_names_are_name_invalid()
    {
        var name = string.Join('/', Enumerable.Repeat("abcdefghij", 26)); // 285 characters
        using var response = await Client.GetAsync($"/v2/{name}/tags/list");
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "NAME_INVALID");
    }

    [Theory]
    [InlineData("sha256:short")]
    [InlineData("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709")]
    [InlineData("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g")]
    [InlineData(":e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public async Task Invalid_digests_are_digest_invalid_everywhere(string digest)
    {
        var escaped = Uri.EscapeDataString(digest);
        using (var r = await Client.GetAsync($"/v2/r/blobs/{digest}")) await r.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
        using (var r = await Client.DeleteAsync($"/v2/r/blobs/{digest}")) await r.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
        using (var r = await Client.GetAsync($"/v2/r/manifests/{digest}")) await r.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
        using (var r = await Client.GetAsync($"/v2/r/referrers/{digest}")) await r.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
        using (var r = await Client.PostAsync($"/v2/r/blobs/uploads/?digest={escaped}", new ByteArrayContent([1]))) await r.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
        using (var r = await Client.PostAsync($"/v2/r/blobs/uploads/?mount={escaped}&from=x", null)) await r.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
    }

    [Fact]
    public async Task Tags_cannot_escape_the_repository()
    {
        var (_, bytes) = await Client.PushImageAsync("r", "t", []);
        foreach (var tag in new[] { "..", ".hidden", "a%2Fb" })
        {
            var (status, _) = await RawAsync("PUT", $"/v2/r/manifests/{tag}");
            Assert.Equal(400, status);
        }
        Assert.NotEmpty(bytes);
    }
}
