using System.Net;
using System.Security.Cryptography.X509Certificates;
using Kist.Registry.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kist.Registry.Server;

/// <summary>A running registry on Kestrel: what <c>kist registry serve</c> and the tests start.</summary>
public sealed class RegistryHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RegistryHost(WebApplication app, RegistryApi api, Uri baseAddress)
    {
        _app = app;
        Api = api;
        BaseAddress = baseAddress;
    }

    /// <summary>Where the registry listens, e.g. <c>http://127.0.0.1:39113/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary><c>HOST:PORT</c>, as docker and skopeo name the registry.</summary>
    public string HostPort => $"{BaseAddress.Host}:{BaseAddress.Port}";

    public RegistryApi Api { get; }
    public IRegistryStorage Storage => Api.Storage;

    public static async Task<RegistryHost> StartAsync(RegistryOptions options, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        var endpoint = RegistryOptions.ParseAddress(options.Address);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (logging is not null) logging(builder.Logging);
        else if (options.JsonLogs) builder.Logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ");
        else builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        X509Certificate2? certificate = null;
        if (options.TlsCertificatePath is not null)
        {
            using var pem = X509Certificate2.CreateFromPemFile(options.TlsCertificatePath, options.TlsKeyPath);
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MaxResponseBufferSize = 4 << 20;
            kestrel.Limits.MaxRequestBufferSize = 4 << 20;
            kestrel.Listen(endpoint, listen =>
            {
                if (certificate is not null) listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();
        var api = app.MapKistRegistry(options);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address.Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "[::1]") + "/");
        return new RegistryHost(app, api, uri);
    }

    /// <summary>Stops accepting connections and waits (up to the shutdown timeout) for running requests, uploads included.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    /// <summary>Waits for a stop request (SIGINT, SIGTERM, <see cref="RequestStop"/>), then stops gracefully.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Asks the host to stop; <see cref="WaitForShutdownAsync"/> then finishes running requests and returns.</summary>
    public void RequestStop() => _app.Lifetime.StopApplication();

    public async ValueTask DisposeAsync()
    {
        try { await _app.StopAsync(); }
        catch (ObjectDisposedException) { }
        await _app.DisposeAsync();
    }
}
