using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kist.Oci;

namespace Kist.Registry;

public sealed record TagList
{
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("tags")] public IReadOnlyList<string>? Tags { get; init; }
}

public sealed partial class RegistryClient
{
    /// <summary>Every tag of a repository, following the <c>Link</c> pages.</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancellationToken = default)
    {
        string what = $"listing the tags of {Registry}/{repository}";
        var tags = new List<string>();
        Uri? next = Url($"v2/{repository}/tags/list");
        for (int page = 0; next is not null && page < 1000; page++)
        {
            using var request = Request(HttpMethod.Get, next, repository);
            using var response = await SendAsync(request, what, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound) throw new RegistryException($"{what}: repository not found", 404, ["NAME_UNKNOWN"]);
            if (!response.IsSuccessStatusCode) throw await RegistryErrors.FromResponseAsync(response, what, cancellationToken).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                tags.AddRange(JsonSerializer.Deserialize(bytes, RegistryJsonContext.Default.TagList)?.Tags ?? []);
            }
            catch (JsonException e)
            {
                throw new InvalidInputException($"{what}: malformed answer: {e.Message}", e);
            }
            next = NextPage(response);
        }
        return tags;
    }

    private static Uri? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links)) return null;
        foreach (var link in links)
        {
            int open = link.IndexOf('<'), close = link.IndexOf('>');
            if (open < 0 || close < open || !link.Contains("rel=\"next\"", StringComparison.Ordinal)) continue;
            return new Uri(response.RequestMessage!.RequestUri!, link[(open + 1)..close]);
        }
        return null;
    }
}
