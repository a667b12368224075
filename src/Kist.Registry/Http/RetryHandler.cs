using System.Net;

namespace Kist.Registry.Http;

/// <summary>
/// Retries a request that meets 429, a 5xx or a broken connection, with exponential backoff that a
/// <c>Retry-After</c> answer overrides. Only requests whose body can be sent again are retried; streamed
/// uploads are retried whole by the upload code, which can reopen their source.
/// </summary>
internal sealed class RetryHandler(RegistryClientOptions options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        bool canResend = request.Content is null or ByteArrayContent or ReadOnlyMemoryContent;
        for (int attempt = 1; ; attempt++)
        {
            bool last = !canResend || attempt >= options.MaxAttempts;
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (!last && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (last || !IsRetryable(response.StatusCode)) return response;
            var delay = RetryAfter(response) ?? Backoff(attempt);
            response.Dispose();
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    public static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout
        || ((int)status >= 500 && status is not HttpStatusCode.NotImplemented and not HttpStatusCode.HttpVersionNotSupported);

    private TimeSpan Backoff(int attempt) =>
        TimeSpan.FromTicks(Math.Min(options.MaxRetryDelay.Ticks, options.RetryDelay.Ticks << Math.Min(attempt - 1, 16)));

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan? wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (wait is null) return null;
        if (wait < TimeSpan.Zero) return TimeSpan.Zero;
        return wait > options.MaxRetryDelay ? options.MaxRetryDelay : wait;
    }
}
