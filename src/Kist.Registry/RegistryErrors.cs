using System.Net;
using System.Text;
using System.Text.Json;
using Kist.Oci;

namespace Kist.Registry;

/// <summary>Turns a failed answer into a <see cref="RegistryException"/> whose message says what was asked and why it failed.</summary>
public static class RegistryErrors
{
    private const int MaxErrorBody = 64 * 1024;

    public static async Task<RegistryException> FromResponseAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken = default)
    {
        int status = (int)response.StatusCode;
        byte[] body = [];
        if (response.RequestMessage?.Method != HttpMethod.Head)
        {
            try
            {
                body = await ReadLimitedAsync(response.Content, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                // The reason is in the status; a body that breaks off adds nothing.
            }
        }
        var codes = new List<string>();
        var messages = new List<string>();
        try
        {
            if (body.Length > 0 && JsonSerializer.Deserialize(body, RegistryJsonContext.Default.ErrorBody) is { Errors: { } errors })
            {
                foreach (var error in errors)
                {
                    if (error.Code is { Length: > 0 } code) codes.Add(code);
                    string text = error.Message is { Length: > 0 } m ? m : error.Code ?? "";
                    if (error.Code is { Length: > 0 } c && !text.Contains(c, StringComparison.OrdinalIgnoreCase)) text = c.ToLowerInvariant().Replace('_', ' ') + ": " + text;
                    if (text.Length > 0) messages.Add(text);
                }
            }
        }
        catch (JsonException)
        {
            // Not an OCI error body (an HTML page from a proxy, say): the status speaks.
        }
        string reason = messages.Count > 0 ? string.Join("; ", messages) : Describe(response.StatusCode, body);
        return new RegistryException($"{what}: {reason}", status, codes);
    }

    private static string Describe(HttpStatusCode status, byte[] body)
    {
        string text = $"{(int)status} {status switch
        {
            HttpStatusCode.Unauthorized => "unauthorized: authentication required",
            HttpStatusCode.Forbidden => "denied: requested access to the resource is denied",
            HttpStatusCode.NotFound => "not found",
            HttpStatusCode.TooManyRequests => "too many requests",
            _ => status.ToString(),
        }}";
        // A short plain-text body usually says more than the status.
        if (body.Length is > 0 and < 200 && body.All(b => b is >= 0x20 and < 0x7f or (byte)'\n'))
        {
            text += ": " + Encoding.ASCII.GetString(body).Trim();
        }
        return text;
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while (buffer.Length < MaxErrorBody && (n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    /// <summary>A transport failure (refused connection, TLS, broken body) as one clear line.</summary>
    public static RegistryException FromTransport(Exception e, string what)
    {
        var inner = e;
        while (inner.InnerException is not null && inner is HttpRequestException or IOException) inner = inner.InnerException;
        string detail = inner is System.Security.Authentication.AuthenticationException
            ? $"TLS handshake failed ({inner.Message}); use --cert-dir for a private CA or --tls-verify=false"
            : inner.Message;
        return new RegistryException($"{what}: {detail}", 0, null, e);
    }
}
