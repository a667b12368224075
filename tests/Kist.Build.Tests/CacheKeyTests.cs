using Kist.Build.Cache;

namespace Kist.Build.Tests;

public sealed class CacheKeyTests
{
    [Fact]
    public void SameInputsGiveTheSameKey() =>
        Assert.Equal(CacheKey.Step(CacheKey.Scratch, "RUN").Add("echo").Finish(), CacheKey.Step(CacheKey.Scratch, "RUN").Add("echo").Finish());

    [Fact]
    public void FieldsAreLengthPrefixed() =>
        Assert.NotEqual(CacheKey.Step("p", "RUN").Add("ab").Add("c").Finish(), CacheKey.Step("p", "RUN").Add("a").Add("bc").Finish());

    [Fact]
    public void ListsCountTheirItems() =>
        Assert.NotEqual(CacheKey.Step("p", "RUN").AddAll(["a", "b"]).Add("c").Finish(), CacheKey.Step("p", "RUN").AddAll(["a"]).Add("b").Add("c").Finish());

    [Fact]
    public void TheParentKeyChangesTheKey() =>
        Assert.NotEqual(CacheKey.Step("p1", "RUN").Add("x").Finish(), CacheKey.Step("p2", "RUN").Add("x").Finish());

    [Fact]
    public void KeysAreSha256Digests() =>
        Assert.Matches("^sha256:[0-9a-f]{64}$", CacheKey.Step(CacheKey.Scratch, "COPY").Finish());
}
