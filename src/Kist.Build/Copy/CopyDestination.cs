using Kist.Dockerfile.Ignore;

namespace Kist.Build.Copy;

/// <summary>Where a COPY writes: an absolute clean path, and whether it was written as a directory (trailing '/').</summary>
internal sealed record CopyDestination(string Path, bool IsDirectory)
{
    /// <summary>docker's rules: relative to WORKDIR; "." , "" and a trailing '/' (or "/.") mean a directory.</summary>
    public static CopyDestination Resolve(string destination, string workingDir)
    {
        var dest = destination.Replace('\\', '/');
        bool isDir = dest.Length == 0 || dest == "." || dest.EndsWith('/') || dest.EndsWith("/.", StringComparison.Ordinal);
        var wd = string.IsNullOrEmpty(workingDir) ? "/" : workingDir;
        var full = dest.StartsWith('/') ? dest : wd.TrimEnd('/') + "/" + dest;
        var clean = GoPath.Clean("/" + full);
        return new CopyDestination(clean, isDir || clean == "/");
    }
}
