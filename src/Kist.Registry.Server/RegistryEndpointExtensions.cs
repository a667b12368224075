using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kist.Registry.Server;

public static class RegistryEndpointExtensions
{
    /// <summary>
    /// Maps the registry: <c>/v2/…</c> (the distribution API), <c>/token</c> (in token auth mode), <c>/metrics</c>
    /// (Prometheus text) and <c>/healthz</c>. Request delegates only, no reflection: safe for Native AOT.
    /// Kestrel's request body limit must be lifted for blob uploads (<see cref="RegistryHost"/> does it).
    /// </summary>
    public static RegistryApi MapKistRegistry(this IEndpointRouteBuilder endpoints, RegistryOptions options)
    {
        var api = new RegistryApi(options, endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>());
        RequestDelegate v2 = api.HandleV2;
        endpoints.Map("/v2", v2);
        endpoints.Map("/v2/{**path}", v2);
        endpoints.Map("/token", (RequestDelegate)api.HandleToken);
        endpoints.MapGet("/metrics", (RequestDelegate)api.HandleMetrics);
        endpoints.MapGet("/healthz", (RequestDelegate)api.HandleHealth);
        return api;
    }
}
