using Kist.Oci;

namespace Kist.Oci.Tests;

public class PlatformTests
{
    [Theory]
    [InlineData("linux/amd64", "linux/amd64")]
    [InlineData("linux/x86_64", "linux/amd64")]
    [InlineData("linux/x86-64", "linux/amd64")]
    [InlineData("linux/amd64/v1", "linux/amd64")]
    [InlineData("linux/amd64/v3", "linux/amd64/v3")]
    [InlineData("linux/aarch64", "linux/arm64")]
    [InlineData("linux/arm64/v8", "linux/arm64")]
    [InlineData("linux/arm64/8", "linux/arm64")]
    [InlineData("linux/aarch64/v8", "linux/arm64")]
    [InlineData("linux/arm", "linux/arm/v7")]
    [InlineData("linux/arm/7", "linux/arm/v7")]
    [InlineData("linux/arm/v7", "linux/arm/v7")]
    [InlineData("linux/arm/6", "linux/arm/v6")]
    [InlineData("linux/arm/5", "linux/arm/v5")]
    [InlineData("linux/armhf", "linux/arm/v7")]
    [InlineData("linux/armel", "linux/arm/v6")]
    [InlineData("linux/i386", "linux/386")]
    [InlineData("LINUX/AMD64", "linux/amd64")]
    [InlineData(" linux/riscv64 ", "linux/riscv64")]
    [InlineData("windows/amd64", "windows/amd64")]
    [InlineData("amd64", "linux/amd64")]
    [InlineData("x86_64", "linux/amd64")]
    [InlineData("arm64", "linux/arm64")]
    [InlineData("s390x", "linux/s390x")]
    public void Parse_normalizes_as_containerd(string input, string expected)
    {
        Assert.Equal(expected, Platform.Parse(input).ToString());
    }

    [Fact]
    public void A_bare_os_takes_the_host_architecture()
    {
        var p = Platform.Parse("linux");
        Assert.Equal("linux", p.Os);
        Assert.Equal(Platform.Host.Architecture, p.Architecture);
        Assert.Equal("windows", Platform.Parse("windows").Os);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("linux/")]
    [InlineData("/amd64")]
    [InlineData("linux//amd64")]
    [InlineData("linux/amd64/v8/extra")]
    [InlineData("linux/amd 64")]
    [InlineData("linux/amd64;rm")]
    public void Parse_rejects_malformed(string input)
    {
        var e = Assert.Throws<InvalidInputException>(() => Platform.Parse(input));
        Assert.Contains("invalid platform", e.Message);
    }

    [Fact]
    public void Host_is_normalized_linux()
    {
        Assert.Equal("linux", Platform.Host.Os);
        Assert.Equal(Platform.Normalize(Platform.Host), Platform.Host);
        Assert.True(Platform.Host.Matches(Platform.Host));
    }

    [Theory]
    [InlineData("linux/amd64", "linux", "x86_64", null, true)]
    [InlineData("linux/amd64", "linux", "amd64", "v2", true)] // no wanted variant: any variant
    [InlineData("linux/arm64", "linux", "aarch64", "v8", true)]
    [InlineData("linux/arm64", "linux", "arm64", null, true)]
    [InlineData("linux/arm64/v8", "linux", "arm64", null, true)]
    [InlineData("linux/arm", "linux", "arm", null, true)] // both default to v7
    [InlineData("linux/arm/v7", "linux", "armhf", null, true)]
    [InlineData("linux/arm/v7", "linux", "arm", "v6", false)]
    [InlineData("linux/arm/v6", "linux", "armel", null, true)]
    [InlineData("linux/amd64", "linux", "arm64", null, false)]
    [InlineData("linux/amd64", "windows", "amd64", null, false)]
    [InlineData("linux/amd64", "LINUX", "AMD64", null, true)]
    [InlineData("linux/386", "linux", "i386", null, true)]
    public void Matches(string wanted, string os, string architecture, string? variant, bool expected)
    {
        var candidate = new Platform { Os = os, Architecture = architecture, Variant = variant };
        Assert.Equal(expected, Platform.Parse(wanted).Matches(candidate));
    }

    [Fact]
    public void Normalize_keeps_other_fields_and_lowercases()
    {
        var p = Platform.Normalize(new Platform { Os = "Linux", Architecture = "AArch64", Variant = "V8", OsVersion = "10.0.1", OsFeatures = ["win32k"] });
        Assert.Equal("linux", p.Os);
        Assert.Equal("arm64", p.Architecture);
        Assert.Null(p.Variant);
        Assert.Equal("10.0.1", p.OsVersion);
        Assert.Equal(["win32k"], p.OsFeatures!);
        Assert.Equal("linux/arm64", p.ToString());
        Assert.Null(Platform.Normalize(new Platform { Os = "linux", Architecture = "ppc64le", Variant = "" }).Variant);
    }

    [Fact]
    public void Config_platform_is_taken_from_the_config()
    {
        var config = new ImageConfig { Os = "linux", Architecture = "arm", Variant = "v6", RootFs = new RootFs { DiffIds = [] } };
        Assert.Equal("linux/arm/v6", config.Platform.ToString());
    }
}
