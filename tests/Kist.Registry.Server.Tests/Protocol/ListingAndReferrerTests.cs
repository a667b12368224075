using System.Net;
using System.Text.Json;
using Kist.Oci;
using Kist.Registry.Server.Tests.Support;

namespace Kist.Registry.Server.Tests.Protocol;

public sealed class ListingAndReferrerTests : IAsyncLifetime
{
    private TestRegistry _registry = null!;
    private HttpClient Client => _registry.Client;

    public async Task InitializeAsync() => _registry = await TestRegistry.StartAsync();
    public async Task DisposeAsync() => await _registry.DisposeAsync();

    private static async Task<List<string>> Strings(HttpResponseMessage response, string property)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. doc.RootElement.GetProperty(property).EnumerateArray().Select(e => e.GetString()!)];
    }

    [Fact]
    public async Task Tags_list_is_sorted_and_paginates_with_link_headers()
    {
        var (digest, bytes) = await Client.PushImageAsync("paged", "b", []);
        string[] tags = ["a", "B", "c", "d", "e", "1.0", "latest"];
        foreach (var t in tags) await Client.PutManifestAsync("paged", t, bytes, MediaTypes.OciManifest);
        var expected = tags.Append("b").Order(StringComparer.Ordinal).ToList();

        using (var all = await Client.GetAsync("/v2/paged/tags/list"))
        {
            Assert.Equal(expected, await Strings(all, "tags"));
            Assert.False(all.Headers.Contains("Link"));
        }
        var seen = new List<string>();
        string? next = "/v2/paged/tags/list?n=3";
        int pages = 0;
        while (next is not null)
        {
            using var page = await Client.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var items = await Strings(page, "tags");
            Assert.True(items.Count <= 3);
            seen.AddRange(items);
            pages++;
            next = page.Headers.TryGetValues("Link", out var links) ? links.Single().Split(';')[0].Trim('<', '>') : null;
            if (next is not null) Assert.EndsWith("rel=\"next\"", page.Headers.GetValues("Link").Single());
        }
        Assert.Equal(expected, seen);
        Assert.Equal(3, pages);

        using (var exact = await Client.GetAsync($"/v2/paged/tags/list?n={expected.Count}"))
        {
            Assert.Equal(expected, await Strings(exact, "tags"));
            Assert.False(exact.Headers.Contains("Link"));
        }
        using (var zero = await Client.GetAsync("/v2/paged/tags/list?n=0")) Assert.Empty(await Strings(zero, "tags"));
        using (var afterLast = await Client.GetAsync("/v2/paged/tags/list?last=latest")) Assert.Empty(await Strings(afterLast, "tags"));
        using (var afterMiddle = await Client.GetAsync("/v2/paged/tags/list?n=2&last=b"))
            Assert.Equal(expected.Where(t => string.CompareOrdinal(t, "b") > 0).Take(2), await Strings(afterMiddle, "tags"));
        using (var notInList = await Client.GetAsync("/v2/paged/tags/list?last=bb"))
            Assert.Equal(expected.Where(t => string.CompareOrdinal(t, "bb") > 0), await Strings(notInList, "tags"));
        using (var bad = await Client.GetAsync("/v2/paged/tags/list?n=-1")) await bad.AssertErrorAsync(HttpStatusCode.BadRequest, "PAGINATION_NUMBER_INVALID");
        using (var bad = await Client.GetAsync("/v2/paged/tags/list?n=x")) await bad.AssertErrorAsync(HttpStatusCode.BadRequest, "PAGINATION_NUMBER_INVALID");
        Assert.NotEqual(default, digest);
    }

    [Fact]
    public async Task Tags_of_an_unknown_repository_is_name_unknown()
    {
        using var response = await Client.GetAsync("/v2/never/pushed/tags/list");
        await response.AssertErrorAsync(HttpStatusCode.NotFound, "NAME_UNKNOWN");
    }

    [Fact]
    public async Task Catalog_lists_repositories_sorted_with_pagination()
    {
        string[] repos = ["zeta", "alpha", "alpha/nested", "alpha/nested/deeper", "mid-dle", "b.c"];
        foreach (var r in repos) await Client.PushImageAsync(r, "t", []);
        var expected = repos.Order(StringComparer.Ordinal).ToList();
        using (var all = await Client.GetAsync("/v2/_catalog")) Assert.Equal(expected, await Strings(all, "repositories"));

        var seen = new List<string>();
        string? next = "/v2/_catalog?n=4";
        while (next is not null)
        {
            using var page = await Client.GetAsync(next);
            seen.AddRange(await Strings(page, "repositories"));
            next = page.Headers.TryGetValues("Link", out var links) ? links.Single().Split(';')[0].Trim('<', '>') : null;
        }
        Assert.Equal(expected, seen);
        using (var one = await Client.GetAsync("/v2/_catalog?n=1&last=alpha/nested"))
        {
            Assert.Equal(["alpha/nested/deeper"], await Strings(one, "repositories"));
            Assert.Contains("last=alpha%2Fnested%2Fdeeper", one.Headers.GetValues("Link").Single());
        }
    }

    [Fact]
    public async Task Referrers_lists_manifests_with_a_subject_and_filters_by_artifact_type()
    {
        var (subject, subjectBytes) = await Client.PushImageAsync("app", "v1", [Proto.RandomBytes(100)]);
        var subjectDescriptor = new Descriptor { MediaType = MediaTypes.OciManifest, Digest = subject, Size = subjectBytes.Length };

        using (var empty = await Client.GetAsync($"/v2/app/referrers/{subject}"))
        {
            Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
            Assert.Equal(MediaTypes.OciIndex, empty.Content.Headers.ContentType?.MediaType);
            var index = JsonSerializer.Deserialize(await empty.Content.ReadAsByteArrayAsync(), OciJsonContext.Default.ImageIndex)!;
            Assert.Empty(index.Manifests);
        }

        var config = await Client.PushBlobAsync("app", "{}"u8.ToArray());
        async Task<Digest> PushArtifact(string artifactType)
        {
            var manifest = new ImageManifest
            {
                MediaType = MediaTypes.OciManifest,
                ArtifactType = artifactType,
                Config = new Descriptor { MediaType = MediaTypes.OciEmpty, Digest = config, Size = 2 },
                Layers = [],
                Subject = subjectDescriptor,
                Annotations = new Dictionary<string, string> { ["kind"] = artifactType },
            };
            var bytes = OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest);
            using var response = await Client.PutManifestRawAsync("app", Digest.Compute(bytes).ToString(), bytes, MediaTypes.OciManifest);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal(subject.ToString(), response.Header("OCI-Subject"));
            return Digest.Compute(bytes);
        }
        var sbom = await PushArtifact("application/spdx+json");
        var sig = await PushArtifact("application/vnd.dev.cosign.simplesigning.v1+json");
        // An image manifest with a subject and no artifactType reports its config media type.
        var (imageReferrer, _) = await Client.PushImageAsync("app", "withsubject", [], subject: subjectDescriptor);

        using (var all = await Client.GetAsync($"/v2/app/referrers/{subject}"))
        {
            var index = JsonSerializer.Deserialize(await all.Content.ReadAsByteArrayAsync(), OciJsonContext.Default.ImageIndex)!;
            Assert.Equal(MediaTypes.OciIndex, index.MediaType);
            Assert.Equal(new[] { sbom, sig, imageReferrer }.Order(), index.Manifests.Select(m => m.Digest).Order());
            var sbomEntry = index.Manifests.Single(m => m.Digest == sbom);
            Assert.Equal("application/spdx+json", sbomEntry.ArtifactType);
            Assert.Equal("application/spdx+json", sbomEntry.Annotations!["kind"]);
            Assert.Equal(MediaTypes.OciManifest, sbomEntry.MediaType);
            Assert.Equal(MediaTypes.OciConfig, index.Manifests.Single(m => m.Digest == imageReferrer).ArtifactType);
            Assert.False(all.Headers.Contains("OCI-Filters-Applied"));
        }
        using (var filtered = await Client.GetAsync($"/v2/app/referrers/{subject}?artifactType=application/spdx%2Bjson"))
        {
            Assert.Equal("artifactType", filtered.Header("OCI-Filters-Applied"));
            var index = JsonSerializer.Deserialize(await filtered.Content.ReadAsByteArrayAsync(), OciJsonContext.Default.ImageIndex)!;
            Assert.Equal([sbom], index.Manifests.Select(m => m.Digest));
        }
        // Deleting a referrer removes it from the list.
        using (await Client.DeleteAsync($"/v2/app/manifests/{sig}")) { }
        using (var after = await Client.GetAsync($"/v2/app/referrers/{subject}"))
        {
            var index = JsonSerializer.Deserialize(await after.Content.ReadAsByteArrayAsync(), OciJsonContext.Default.ImageIndex)!;
            Assert.DoesNotContain(sig, index.Manifests.Select(m => m.Digest));
        }
        using (var bad = await Client.GetAsync("/v2/app/referrers/sha256:123")) await bad.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
    }

    [Fact]
    public async Task Subject_may_be_pushed_before_the_manifest_it_refers_to()
    {
        var future = Digest.Compute("not yet pushed"u8);
        var (referrer, _) = await Client.PushImageAsync("app", "early", [], subject: new Descriptor { MediaType = MediaTypes.OciManifest, Digest = future, Size = 10 }, artifactType: "application/example");
        using var response = await Client.GetAsync($"/v2/app/referrers/{future}");
        var index = JsonSerializer.Deserialize(await response.Content.ReadAsByteArrayAsync(), OciJsonContext.Default.ImageIndex)!;
        Assert.Equal([referrer], index.Manifests.Select(m => m.Digest));
    }
}
