using Kist.Build.Cache.Remote;
using Kist.Oci;

namespace Kist.Build.Tests.Cache;

public sealed class CacheSpecTests
{
    [Fact]
    public void Local_import_takes_src() =>
        Assert.Equal(new CacheImportSpec(CacheLocationType.Local, "/tmp/c"), CacheImportSpec.Parse("type=local,src=/tmp/c"));

    [Fact]
    public void Registry_import_takes_ref() =>
        Assert.Equal(new CacheImportSpec(CacheLocationType.Registry, "127.0.0.1:5000/app:cache"), CacheImportSpec.Parse("type=registry,ref=127.0.0.1:5000/app:cache"));

    [Fact]
    public void A_bare_reference_is_a_registry_import() =>
        Assert.Equal(new CacheImportSpec(CacheLocationType.Registry, "example.com/app:buildcache"), CacheImportSpec.Parse("example.com/app:buildcache"));

    [Fact]
    public void Ignore_error_is_kept() =>
        Assert.True(CacheExportSpec.Parse("type=local,dest=out,ignore-error=true").IgnoreError);

    [Fact]
    public void Export_mode_defaults_to_min() =>
        Assert.Equal(new CacheExportSpec(CacheLocationType.Local, "out", CacheExportMode.Min), CacheExportSpec.Parse("type=local,dest=out"));

    [Theory]
    [InlineData("type=local,dest=out,mode=max", CacheLocationType.Local, "out", CacheExportMode.Max)]
    [InlineData("type=registry,ref=localhost:5000/a:c,mode=min", CacheLocationType.Registry, "localhost:5000/a:c", CacheExportMode.Min)]
    [InlineData("type=registry,ref=localhost:5000/a:c,mode=max,compression=gzip,oci-mediatypes=true", CacheLocationType.Registry, "localhost:5000/a:c", CacheExportMode.Max)]
    public void Exports_parse(string spec, CacheLocationType type, string location, CacheExportMode mode) =>
        Assert.Equal(new CacheExportSpec(type, location, mode), CacheExportSpec.Parse(spec));

    [Theory]
    [InlineData("type=gha", "unsupported cache type gha")]
    [InlineData("type=inline", "unsupported cache type inline")]
    [InlineData("type=s3,bucket=x", "unsupported cache type s3")]
    [InlineData("type=local", "needs dest=")]
    [InlineData("type=registry", "needs ref=")]
    [InlineData("dest=out", "type is required")]
    [InlineData("type=local,dest=out,mode=all", "invalid mode all")]
    [InlineData("type=local,dest=out,colour=blue", "unknown option colour")]
    [InlineData("type=local,dest=out,ignore-error=maybe", "invalid ignore-error maybe")]
    [InlineData("type=registry,ref=UPPER/Case:x", "invalid reference format")]
    [InlineData("type=registry,ref=localhost:5000/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "a tag is needed")]
    [InlineData("somewhere", "expected type=local")]
    [InlineData("type=local,type=registry,dest=x", "type given twice")]
    public void Bad_exports_are_refused(string spec, string message) =>
        Assert.Contains(message, Assert.Throws<InvalidInputException>(() => CacheExportSpec.Parse(spec)).Message);

    [Theory]
    [InlineData("type=gha,scope=x", "unsupported cache type gha")]
    [InlineData("type=azblob", "unsupported cache type azblob")]
    [InlineData("type=local", "needs src=")]
    [InlineData("type=local,dest=x", "unknown option dest")]
    [InlineData("type=local,src=x,mode=max", "unknown option mode")]
    [InlineData("", "empty value")]
    [InlineData("Not A Reference", "invalid reference format")]
    public void Bad_imports_are_refused(string spec, string message) =>
        Assert.Contains(message, Assert.Throws<InvalidInputException>(() => CacheImportSpec.Parse(spec)).Message);
}
