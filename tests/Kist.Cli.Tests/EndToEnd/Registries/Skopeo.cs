using System.Text.Json;

namespace Kist.Cli.Tests.EndToEnd.Registries;

/// <summary><c>skopeo inspect</c> and <c>skopeo copy</c> against a test registry, with its TLS and credential flags.</summary>
public static class Skopeo
{
    /// <summary>
    /// The flags that reach <paramref name="registry"/>: <c>--tls-verify=false</c> for plain HTTP, <c>--cert-dir</c> for
    /// TLS, <c>--creds</c> when it has auth. <paramref name="prefix"/> is "" for inspect, "src-" or "dest-" for copy.
    /// </summary>
    public static IEnumerable<string> Flags(ITestRegistry registry, string prefix = "", string? credentials = null)
    {
        if (registry.CertDirectory is { } certs)
        {
            yield return $"--{prefix}cert-dir";
            yield return certs;
        }
        else
        {
            yield return $"--{prefix}tls-verify=false";
        }
        if ((credentials ?? registry.Credentials) is { } creds)
        {
            yield return $"--{prefix}creds";
            yield return creds;
        }
    }

    /// <summary><c>skopeo inspect [--raw] docker://HOST/REPOSITORY</c>.</summary>
    public static Task<RunResult> InspectAsync(ITestRegistry registry, string repositoryAndTag, bool raw = false, string? credentials = null) =>
        KistProcess.ToolAsync("skopeo", ["inspect", .. raw ? new[] { "--raw" } : [], .. Flags(registry, "", credentials), $"docker://{registry.Host}/{repositoryAndTag}"]);

    /// <summary>The manifest digest skopeo reports for the image.</summary>
    public static async Task<string> DigestAsync(ITestRegistry registry, string repositoryAndTag)
    {
        var result = (await InspectAsync(registry, repositoryAndTag)).ShouldSucceed();
        using var json = JsonDocument.Parse(result.Stdout);
        return json.RootElement.GetProperty("Digest").GetString()!;
    }

    /// <summary><c>skopeo copy SOURCE docker://HOST/REPOSITORY</c> (SOURCE such as <c>oci:DIR:TAG</c> or <c>docker-archive:FILE</c>).</summary>
    public static Task<RunResult> CopyToAsync(ITestRegistry registry, string source, string repositoryAndTag) =>
        KistProcess.ToolAsync("skopeo", ["copy", "--quiet", .. Flags(registry, "dest-"), source, $"docker://{registry.Host}/{repositoryAndTag}"]);

    /// <summary><c>skopeo copy docker://HOST/REPOSITORY DESTINATION</c>.</summary>
    public static Task<RunResult> CopyFromAsync(ITestRegistry registry, string repositoryAndTag, string destination) =>
        KistProcess.ToolAsync("skopeo", ["copy", "--quiet", .. Flags(registry, "src-"), $"docker://{registry.Host}/{repositoryAndTag}", destination]);
}
