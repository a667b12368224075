namespace Kist.Dockerfile.Tests.Peer;

/// <summary>Locates the shared reference data (../shared/peer-data beside the repository). Fails loudly when missing.</summary>
internal static class PeerData
{
    private static readonly Lazy<string> Root = new(Find);

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root.Value, .. parts]);

    private static string Find()
    {
        var env = Environment.GetEnvironmentVariable("KIST_PEER_DATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Kist.slnx")))
            {
                var candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "peer-data"));
                if (Directory.Exists(candidate)) return candidate;
                throw new InvalidOperationException($"peer data not found at {candidate}: the shared folder must sit beside the repository (../shared/peer-data)");
            }
            dir = dir.Parent;
        }
        throw new InvalidOperationException("repository root (Kist.slnx) not found above " + AppContext.BaseDirectory);
    }
}
