using System.Net;
using System.Security.Cryptography;
using System.Text;
using Kist.Build.Copy;
using Kist.Oci;

namespace Kist.Build.Tests.Copy;

/// <summary>ADD of http URLs against a local HttpListener.</summary>
public sealed class AddUrlTests : IDisposable
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("hello from http\n");
    private static readonly DateTime Modified = new(2019, 5, 5, 5, 5, 5, DateTimeKind.Utc);
    private readonly CopyFixture _f = new();
    private readonly HttpListener _listener;
    private readonly HttpClient _http = new();
    private readonly string _base;
    private readonly Task _serve;

    public AddUrlTests()
    {
        // A random port may be taken (by another test's server, say): try others.
        for (int attempt = 1; ; attempt++)
        {
            _base = $"http://127.0.0.1:{Random.Shared.Next(20000, 60000)}/";
            _listener = new HttpListener();
            _listener.Prefixes.Add(_base);
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 20)
            {
                _listener.Close();
            }
        }
        _serve = Task.Run(ServeAsync);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            if (ctx.Request.Url!.AbsolutePath.StartsWith("/missing", StringComparison.Ordinal)) ctx.Response.StatusCode = 404;
            else
            {
                ctx.Response.Headers["Last-Modified"] = Modified.ToString("R");
                await ctx.Response.OutputStream.WriteAsync(Body);
            }
            ctx.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _http.Dispose();
        _f.Dispose();
    }

    private Task<string> Add(string url, string dest, string? checksum = null) =>
        _f.CopyAsync(new CopyRequest { From = _f.Source(), Sources = [url], Destination = dest, IsAdd = true, Checksum = checksum }, _http);

    [Fact]
    public async Task DownloadsNamedByTheUrlPathMode600MtimeFromLastModified()
    {
        await Add(_base + "dir/file.bin?x=1", "/u/");
        var st = _f.Target.Stat("u/file.bin");
        Assert.Equal(0x180u, st.Permissions);
        Assert.Equal(new DateTimeOffset(Modified).ToUnixTimeSeconds(), st.MtimeSec);
        Assert.Equal(Encoding.UTF8.GetString(Body), _f.Target.Read("u/file.bin"));
        await Add(_base + "file.bin", "/u/renamed");
        Assert.True(_f.Target.Stat("u/renamed").IsRegular);
    }

    [Fact]
    public async Task ChecksumIsVerified()
    {
        var good = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Body));
        await Add(_base + "f", "/ok/", good);
        Assert.True(_f.Target.Exists("ok/f"));
        var bad = "sha256:" + new string('0', 64);
        var e = await Assert.ThrowsAsync<DigestMismatchException>(() => Add(_base + "f", "/bad/", bad));
        Assert.Contains("digest mismatch", e.Message);
        Assert.False(_f.Target.Exists("bad"));
    }

    [Fact]
    public async Task ErrorsAreClear()
    {
        await Assert.ThrowsAsync<InvalidInputException>(() => Add(_base + "missing", "/x/"));
        await Assert.ThrowsAsync<InvalidInputException>(() => Add("https://example.invalid/repo.git", "/x/"));
        await Assert.ThrowsAsync<InvalidInputException>(() =>
            _f.CopyAsync(new CopyRequest { From = _f.Source(), Sources = [_base + "f"], Destination = "/x/" }, _http));
    }

    [Fact]
    public async Task ChecksumOfThePlanFollowsTheContent()
    {
        await using var plan = await CopyPlanner.PlanAsync(new CopyRequest { From = _f.Source(), Sources = [_base + "f"], Destination = "/x/", IsAdd = true }, _http);
        await using var again = await CopyPlanner.PlanAsync(new CopyRequest { From = _f.Source(), Sources = [_base + "f"], Destination = "/x/", IsAdd = true }, _http);
        Assert.Equal(plan.Checksum, again.Checksum);
    }
}
