namespace Kist.Oci.Tests;

/// <summary>The shared reference data beside the repository (../shared/peer-data). Missing data fails the test, never skips it.</summary>
internal static class PeerData
{
    public static string Path(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Kist.slnx"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("repository root (Kist.slnx) not found above " + AppContext.BaseDirectory);
        var root = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "peer-data"));
        var path = System.IO.Path.Combine([root, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new InvalidOperationException($"peer data {path} is missing: CI must put shared/ beside the repository");
        }
        return path;
    }
}
