using Kist.Cli.Formatting;

namespace Kist.Cli.Tests.Formatting;

public class UnitsTests
{
    [Theory]
    [InlineData(0, "0B")]
    [InlineData(1, "1B")]
    [InlineData(999, "999B")]
    [InlineData(1000, "1kB")]
    [InlineData(1024, "1.02kB")]
    [InlineData(12_345, "12.3kB")]
    [InlineData(4_261_550, "4.26MB")]
    [InlineData(77_800_000, "77.8MB")]
    [InlineData(1_000_000_000, "1GB")]
    [InlineData(123_456_789_012, "123GB")]
    [InlineData(2e15, "2PB")]
    [InlineData(999_999, "1e+03kB")] // Go's %.3g switches to an exponent, in lowercase
    public void HumanSize_as_docker_images_prints_it(double bytes, string expected)
    {
        Assert.Equal(expected, Units.HumanSize(bytes));
    }

    [Theory]
    [InlineData(0, "Less than a second")]
    [InlineData(0.999, "Less than a second")]
    [InlineData(1, "1 second")]
    [InlineData(1.9, "1 second")]
    [InlineData(2, "2 seconds")]
    [InlineData(59.9, "59 seconds")]
    [InlineData(60, "About a minute")]
    [InlineData(119, "About a minute")]
    [InlineData(120, "2 minutes")]
    [InlineData(59 * 60 + 59, "59 minutes")]
    [InlineData(60 * 60, "About an hour")]
    [InlineData(89 * 60, "About an hour")]
    [InlineData(90 * 60, "2 hours")]
    [InlineData(47 * 3600 + 29 * 60, "47 hours")]
    [InlineData(47 * 3600 + 30 * 60, "2 days")]
    [InlineData(13 * 86400, "13 days")]
    [InlineData(14 * 86400, "2 weeks")]
    [InlineData(59 * 86400, "8 weeks")]
    [InlineData(60 * 86400, "2 months")]
    [InlineData(729 * 86400, "24 months")]
    [InlineData(730 * 86400, "2 years")]
    [InlineData(3650 * 86400, "10 years")]
    public void HumanDuration_thresholds_of_go_units(double seconds, string expected)
    {
        Assert.Equal(expected, Units.HumanDuration(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Ago_CreatedAt_Ellipsis()
    {
        Assert.Equal("N/A", Units.Ago(null));
        Assert.Equal("2 hours ago", Units.Ago(DateTimeOffset.UtcNow.AddHours(-2)));
        Assert.Equal("2024-01-02 03:04:05 +0000 UTC", Units.CreatedAt(new DateTimeOffset(2024, 1, 2, 4, 4, 5, TimeSpan.FromHours(1))));
        Assert.Equal("abcdefghij", Units.Ellipsis("abcdefghij", 10));
        Assert.Equal("abcdefghi…", Units.Ellipsis("abcdefghijk", 10));
    }
}
