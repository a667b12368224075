namespace Kist.Layers.Tests.Support;

/// <summary>
/// A Debian bookworm minbase root filesystem made once by <c>debootstrap</c> (about 30 s) and kept as a tarball
/// in /var/tmp, so that later runs on the same machine reuse it.
/// </summary>
public static class MinbaseRoot
{
    private const string CacheDirectory = "/var/tmp/kist-test-cache";
    private static readonly Lazy<string> Cached = new(Make);

    public static string Tarball() => Cached.Value;

    private static string Make()
    {
        string tarball = Path.Combine(CacheDirectory, "minbase-bookworm.tar");
        if (File.Exists(tarball)) return tarball;
        Directory.CreateDirectory(CacheDirectory);
        string root = Path.Combine(CacheDirectory, "minbase-" + Guid.NewGuid().ToString("N"));
        try
        {
            Tool.Run("debootstrap", "--variant=minbase", "bookworm", root);
            string partial = tarball + "." + Guid.NewGuid().ToString("N");
            Tool.Run("tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-C", root, "-cf", partial, ".");
            File.Move(partial, tarball, overwrite: true);
            return tarball;
        }
        finally
        {
            Tool.Run("rm", "-rf", "--one-file-system", root);
        }
    }
}
