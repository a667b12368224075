using Kist.Oci;

namespace Kist.Oci.Tests;

/// <summary>
/// ImageReference against docker's ParseNormalizedNamed + TagNameOnly (distribution/reference).
/// The cases are our own table of what that package's tests establish.
/// </summary>
public class ImageReferenceTests
{
    private const string Sha = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    private static readonly string Sha512 = "sha512:" + new string('f', 128);
    private const string Hex64 = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a";

    // input, domain, path, tag (after TagNameOnly), digest, full string, familiar string
    public static TheoryData<string, string, string, string?, string?, string, string> Valid => new()
    {
        { "busybox", "docker.io", "library/busybox", "latest", null, "docker.io/library/busybox:latest", "busybox:latest" },
        { "busybox:1.36", "docker.io", "library/busybox", "1.36", null, "docker.io/library/busybox:1.36", "busybox:1.36" },
        { "library/debian", "docker.io", "library/debian", "latest", null, "docker.io/library/debian:latest", "debian:latest" },
        { "docker/docker", "docker.io", "docker/docker", "latest", null, "docker.io/docker/docker:latest", "docker/docker:latest" },
        { "docker.io/debian", "docker.io", "library/debian", "latest", null, "docker.io/library/debian:latest", "debian:latest" },
        { "docker.io/library/debian", "docker.io", "library/debian", "latest", null, "docker.io/library/debian:latest", "debian:latest" },
        { "index.docker.io/debian", "docker.io", "library/debian", "latest", null, "docker.io/library/debian:latest", "debian:latest" },
        { "index.docker.io/docker/docker", "docker.io", "docker/docker", "latest", null, "docker.io/docker/docker:latest", "docker/docker:latest" },
        { "index.docker.io/library/ubuntu-12.04-base", "docker.io", "library/ubuntu-12.04-base", "latest", null, "docker.io/library/ubuntu-12.04-base:latest", "ubuntu-12.04-base:latest" },
        // library/ with a nested path is not an official image: it keeps its prefix in the familiar form
        { "library/foo/bar", "docker.io", "library/foo/bar", "latest", null, "docker.io/library/foo/bar:latest", "library/foo/bar:latest" },
        { "store/foo/bar", "docker.io", "store/foo/bar", "latest", null, "docker.io/store/foo/bar:latest", "store/foo/bar:latest" },
        { "other/library", "docker.io", "other/library", "latest", null, "docker.io/other/library:latest", "other/library:latest" },
        { "test_com/foo", "docker.io", "test_com/foo", "latest", null, "docker.io/test_com/foo:latest", "test_com/foo:latest" },
        // hosts: a dot, a colon, or localhost makes the first component a registry
        { "localhost/app", "localhost", "app", "latest", null, "localhost/app:latest", "localhost/app:latest" },
        { "localhost:5000/a/b:1", "localhost:5000", "a/b", "1", null, "localhost:5000/a/b:1", "localhost:5000/a/b:1" },
        { "test.com/foo", "test.com", "foo", "latest", null, "test.com/foo:latest", "test.com/foo:latest" },
        { "test:5000/repo", "test:5000", "repo", "latest", null, "test:5000/repo:latest", "test:5000/repo:latest" },
        { "test-com:8080/foo", "test-com:8080", "foo", "latest", null, "test-com:8080/foo:latest", "test-com:8080/foo:latest" },
        { "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000", "private/moonbase", "latest", null, "127.0.0.1:8000/private/moonbase:latest", "127.0.0.1:8000/private/moonbase:latest" },
        { "192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", null, "192.168.1.1:5000/repo:5050", "192.168.1.1:5000/repo:5050" },
        { "example.com:8000/privatebasee", "example.com:8000", "privatebasee", "latest", null, "example.com:8000/privatebasee:latest", "example.com:8000/privatebasee:latest" },
        { "sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag", null, "sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com/bar/baz/quux:some-long-tag" },
        { "b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app", "test.example.com", null, "b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io/test.example.com/my-app:test.example.com" },
        { "xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", "latest", null, "xn--n3h.com:18080/foo:latest", "xn--n3h.com:18080/foo:latest" },
        // a bare dotted name or host:port without a slash is a Docker Hub repository with a tag
        { "192.168.0.1", "docker.io", "library/192.168.0.1", "latest", null, "docker.io/library/192.168.0.1:latest", "192.168.0.1:latest" },
        { "192.168.0.1:80", "docker.io", "library/192.168.0.1", "80", null, "docker.io/library/192.168.0.1:80", "192.168.0.1:80" },
        { "foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", null, "docker.io/library/foo_bar.com:8080", "foo_bar.com:8080" },
        // an uppercase first component is taken as a domain (docker's FIXME)
        { "Docker/docker", "Docker", "docker", "latest", null, "Docker/docker:latest", "Docker/docker:latest" },
        { "FOO/bar", "FOO", "bar", "latest", null, "FOO/bar:latest", "FOO/bar:latest" },
        // IPv6 domains (no zones, no embedded IPv4)
        { "[2001:db8::1]/repo", "[2001:db8::1]", "repo", "latest", null, "[2001:db8::1]/repo:latest", "[2001:db8::1]/repo:latest" },
        { "[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", null, "[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]/repo:tag" },
        { "[::1]:5000/repo", "[::1]:5000", "repo", "latest", null, "[::1]:5000/repo:latest", "[::1]:5000/repo:latest" },
        { "[fc00:1:2:3:4:5:6:7]:5000/library/debian", "[fc00:1:2:3:4:5:6:7]:5000", "library/debian", "latest", null, "[fc00:1:2:3:4:5:6:7]:5000/library/debian:latest", "[fc00:1:2:3:4:5:6:7]:5000/library/debian:latest" },
        // tags: uppercase allowed, case kept
        { "lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", null, "docker.io/library/lowercase:Uppercase", "lowercase:Uppercase" },
        { "foo:_tag.with-dots", "docker.io", "library/foo", "_tag.with-dots", null, "docker.io/library/foo:_tag.with-dots", "foo:_tag.with-dots" },
        // path components: hyphens, double underscores, dots, single characters
        { "docker---rules/docker", "docker.io", "docker---rules/docker", "latest", null, "docker.io/docker---rules/docker:latest", "docker---rules/docker:latest" },
        { "dock__er/docker", "docker.io", "dock__er/docker", "latest", null, "docker.io/dock__er/docker:latest", "dock__er/docker:latest" },
        { "d/docker", "docker.io", "d/docker", "latest", null, "docker.io/d/docker:latest", "d/docker:latest" },
        { "jess/t", "docker.io", "jess/t", "latest", null, "docker.io/jess/t:latest", "jess/t:latest" },
        // 64 characters that are not all hex, and 64 hex characters behind a domain, are names
        { "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "docker.io", "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "latest", null,
          "docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest", "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest" },
        { "docker.io/" + Hex64, "docker.io", "library/" + Hex64, "latest", null, "docker.io/library/" + Hex64 + ":latest", Hex64 + ":latest" },
        // 63 hex characters is an ordinary name
        { Hex64[..63], "docker.io", "library/" + Hex64[..63], "latest", null, "docker.io/library/" + Hex64[..63] + ":latest", Hex64[..63] + ":latest" },
        // digests: no tag is added; a tag and a digest are both kept
        { "redis@" + Sha, "docker.io", "library/redis", null, Sha, "docker.io/library/redis@" + Sha, "redis@" + Sha },
        { "dmcgowan/myapp@" + Sha, "docker.io", "dmcgowan/myapp", null, Sha, "docker.io/dmcgowan/myapp@" + Sha, "dmcgowan/myapp@" + Sha },
        { "busybox:latest@" + Sha, "docker.io", "library/busybox", "latest", Sha, "docker.io/library/busybox:latest@" + Sha, "busybox:latest@" + Sha },
        { "test:5000/repo:tag@" + Sha, "test:5000", "repo", "tag", Sha, "test:5000/repo:tag@" + Sha, "test:5000/repo:tag@" + Sha },
        { "[2001:db8::1]:5000/repo@" + Sha, "[2001:db8::1]:5000", "repo", null, Sha, "[2001:db8::1]:5000/repo@" + Sha, "[2001:db8::1]:5000/repo@" + Sha },
        { "xn--7o8h.com/myimage:xn--7o8h.com@" + Sha512, "xn--7o8h.com", "myimage", "xn--7o8h.com", Sha512, "xn--7o8h.com/myimage:xn--7o8h.com@" + Sha512, "xn--7o8h.com/myimage:xn--7o8h.com@" + Sha512 },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parses_and_normalizes_as_docker(string input, string domain, string path, string? tag, string? digest, string full, string familiar)
    {
        var reference = ImageReference.Parse(input);
        Assert.Equal(domain, reference.Domain);
        Assert.Equal(path, reference.Path);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(digest, reference.Digest?.ToString());
        Assert.Equal(full, reference.ToString());
        Assert.Equal(familiar, reference.ToFamiliarString());
        Assert.Equal(domain + "/" + path, reference.Repository);
        // the normalized form and the familiar form parse back to the same reference
        Assert.Equal(full, ImageReference.Parse(full).ToString());
        Assert.Equal(full, ImageReference.Parse(familiar).ToString());
        Assert.True(ImageReference.TryParse(input, out var again));
        Assert.Equal(reference, again);
    }

    [Theory]
    [InlineData("fooo/bar", "docker.io/fooo/bar", "fooo/bar")]
    [InlineData("ubuntu", "docker.io/library/ubuntu", "ubuntu")]
    [InlineData("example.com/privatebase", "example.com/privatebase", "example.com/privatebase")]
    [InlineData("localhost:5000/a", "localhost:5000/a", "localhost:5000/a")]
    public void ParseRepository_adds_no_tag(string input, string full, string familiarRepository)
    {
        var reference = ImageReference.ParseRepository(input);
        Assert.Null(reference.Tag);
        Assert.Null(reference.Digest);
        Assert.Equal(full, reference.ToString());
        Assert.Equal(familiarRepository, reference.FamiliarRepository);
        Assert.Equal(familiarRepository, reference.ToFamiliarString());
    }

    [Theory]
    [InlineData("")]
    [InlineData(":justtag")]
    [InlineData("@" + Sha)]
    [InlineData("https://github.com/docker/docker")]
    [InlineData("-docker")]
    [InlineData("-foo")]
    [InlineData("-docker/docker")]
    [InlineData("-docker.io/docker/docker")]
    [InlineData("docker///docker")]
    [InlineData("docker.io/docker///docker")]
    [InlineData("docker-/docker")]
    [InlineData("-docker-/docker")]
    [InlineData("____/____")]
    [InlineData("_docker/_docker")]
    [InlineData("dock..er/docker")]
    [InlineData("dock_.er/docker")]
    [InlineData("dock-.er/docker")]
    [InlineData("docker/")]
    [InlineData("aa/asdf$$^/aa")]
    [InlineData("busybox:")]
    [InlineData("busybox:-tag")]
    [InlineData("busybox:.tag")]
    [InlineData("busybox:ta$g")]
    [InlineData("busybox@")]
    [InlineData("busybox@sha256:ffffffffffffffffffffffffffffffffff")] // digest too short
    [InlineData("validname@invaliddigest:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")]
    [InlineData("busybox@sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF")]
    [InlineData("busybox@sha512:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")] // sha512 needs 128
    [InlineData("[fc00::1]")]
    [InlineData("[fc00::1]:5000")]
    [InlineData("[2001:db8::1]:tag")]
    [InlineData("fc00::1:5000/debian")]
    [InlineData("[fe80::1%eth0]:5000/debian")]
    [InlineData("[fe80::1%@invalidzone]:5000/repo")]
    [InlineData("[2001:db8:3:4::192.0.2.33]:5000/debian")]
    [InlineData(" busybox")]
    [InlineData("busybox ")]
    [InlineData("bus box")]
    [InlineData("localhost:port/app")]
    public void Rejects_invalid_references(string input)
    {
        var e = Assert.Throws<InvalidInputException>(() => ImageReference.Parse(input));
        Assert.StartsWith("invalid reference format", e.Message);
        Assert.False(ImageReference.TryParse(input, out var reference));
        Assert.Null(reference);
    }

    [Theory]
    [InlineData("Uppercase:tag", "library/Uppercase")]
    [InlineData("docker/Docker", "docker/Docker")]
    [InlineData("docker.io/docker/Docker", "docker/Docker")]
    [InlineData("test:5000/Uppercase/lowercase:tag", "Uppercase/lowercase")]
    [InlineData("localhost:5000/Foo", "Foo")]
    [InlineData("BUSYBOX", "library/BUSYBOX")]
    public void Uppercase_repository_gives_dockers_lowercase_error(string input, string remote)
    {
        var e = Assert.Throws<InvalidInputException>(() => ImageReference.Parse(input));
        Assert.StartsWith($"invalid reference format: repository name ({remote}) must be lowercase", e.Message);
    }

    [Fact]
    public void Uppercase_first_component_is_a_domain_not_an_error()
    {
        // distribution/reference's documented FIXME: "Uppercase/lowercase:tag" parses with domain "Uppercase".
        var reference = ImageReference.Parse("Uppercase/lowercase:tag");
        Assert.Equal("Uppercase", reference.Domain);
        Assert.Equal("lowercase", reference.Path);
    }

    [Fact]
    public void Sixty_four_hex_characters_are_refused_as_a_name()
    {
        var e = Assert.Throws<InvalidInputException>(() => ImageReference.Parse(Hex64));
        Assert.Contains("cannot specify 64-byte hexadecimal strings", e.Message);
        // with a tag it is no longer an identifier, and docker accepts it as a name
        Assert.Equal("docker.io/library/" + Hex64 + ":v1", ImageReference.Parse(Hex64 + ":v1").ToString());
    }

    [Fact]
    public void Name_limit_is_255_characters_after_normalization()
    {
        // docker.io/ (10) + 245 = 255: allowed
        string path245 = string.Concat(Enumerable.Repeat("a/", 122)) + "a";
        Assert.Equal(245, path245.Length);
        var ok = ImageReference.Parse(path245 + ":tag-that-is-not-counted");
        Assert.Equal(255, ok.Repository.Length);

        // 256 after adding docker.io/: refused
        var e = Assert.Throws<InvalidInputException>(() => ImageReference.Parse(path245 + "a"));
        Assert.Contains("repository name must not be more than 255 characters", e.Message);

        // distribution's own case: 255 characters with their own domain pass Parse, but ParseNormalizedNamed
        // puts docker.io/ in front ("a" is not a domain) and the name becomes too long.
        string input = string.Concat(Enumerable.Repeat("a/", 127)) + "a:tag-puts-this-over-max";
        Assert.Throws<InvalidInputException>(() => ImageReference.Parse(input));
        Assert.Throws<InvalidInputException>(() => ImageReference.Parse(string.Concat(Enumerable.Repeat("a/", 128)) + "a:tag"));

        // a long namespace is refused
        Assert.Throws<InvalidInputException>(() => ImageReference.Parse(new string('x', 250) + "/docker"));

        // with an explicit registry the limit counts the registry too
        string host = "registry.example.com:5000/"; // 26
        Assert.Equal(255, ImageReference.Parse(host + new string('b', 229)).Repository.Length);
        Assert.Throws<InvalidInputException>(() => ImageReference.Parse(host + new string('b', 230)));
    }

    [Fact]
    public void Tags_are_at_most_128_characters()
    {
        string tag128 = "t" + new string('x', 127);
        Assert.Equal(tag128, ImageReference.Parse("busybox:" + tag128).Tag);
        Assert.Throws<InvalidInputException>(() => ImageReference.Parse("busybox:" + tag128 + "x"));
        Assert.True(ImageReference.IsValidTag(tag128));
        Assert.False(ImageReference.IsValidTag(tag128 + "x"));
    }

    [Theory]
    [InlineData("latest", true)]
    [InlineData("TAG5", true)]
    [InlineData("_under", true)]
    [InlineData("1.0.0-rc.1", true)]
    [InlineData("a", true)]
    [InlineData("", false)]
    [InlineData("-foo", false)]
    [InlineData(".foo", false)]
    [InlineData("foo/bar", false)]
    [InlineData("foo:bar", false)]
    [InlineData("foo@bar", false)]
    [InlineData("tāg", false)]
    public void Tag_rules(string tag, bool valid)
    {
        Assert.Equal(valid, ImageReference.IsValidTag(tag));
        var busybox = ImageReference.Parse("busybox");
        if (valid)
        {
            Assert.Equal("docker.io/library/busybox:" + tag, busybox.WithTag(tag).ToString());
        }
        else
        {
            Assert.Throws<InvalidInputException>(() => busybox.WithTag(tag));
        }
    }

    [Fact]
    public void WithDigest_and_WithoutTagOrDigest()
    {
        var reference = ImageReference.Parse("localhost:5000/app:1");
        var digest = Digest.Parse(Sha);
        Assert.Equal("localhost:5000/app@" + Sha, reference.WithDigest(digest).ToString());
        Assert.Equal("localhost:5000/app", reference.WithoutTagOrDigest().ToString());
        Assert.Equal("busybox", ImageReference.Parse("busybox:1").WithoutTagOrDigest().ToFamiliarString());
    }

    [Fact]
    public void Equal_references_are_equal_records()
    {
        Assert.Equal(ImageReference.Parse("busybox"), ImageReference.Parse("docker.io/library/busybox:latest"));
        Assert.Equal(ImageReference.Parse("index.docker.io/foo/bar"), ImageReference.Parse("foo/bar:latest"));
        Assert.NotEqual(ImageReference.Parse("busybox:1"), ImageReference.Parse("busybox:2"));
    }

    [Fact]
    public void Error_messages_quote_the_input_and_stay_one_line_for_huge_input()
    {
        var e = Assert.Throws<InvalidInputException>(() => ImageReference.Parse("bad name"));
        Assert.Contains("\"bad name\"", e.Message);
        var huge = new string('$', 100_000);
        e = Assert.Throws<InvalidInputException>(() => ImageReference.Parse(huge));
        Assert.True(e.Message.Length < 1000, "the message quotes a truncated input");
        Assert.DoesNotContain('\n', e.Message);
    }
}
