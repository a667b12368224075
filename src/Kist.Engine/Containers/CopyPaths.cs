using Kist.Oci;

namespace Kist.Engine.Containers;

/// <summary>One side of <c>cp</c>: a path in a container (<c>NAME:PATH</c>), a local path, or <c>-</c> (a tar stream).</summary>
public sealed record CopyEndpoint(string? Container, string Path)
{
    public bool IsStream => Container is null && Path == "-";

    /// <summary>docker's split: <c>NAME:PATH</c> names a container unless the part before the colon holds a slash (write <c>./a:b</c> for a local file).</summary>
    public static CopyEndpoint Parse(string argument)
    {
        if (argument.Length == 0) throw new InvalidInputException("filepath cannot be empty");
        int colon = argument.IndexOf(':');
        if (colon <= 0 || argument[..colon].Contains('/')) return new CopyEndpoint(null, argument);
        string path = argument[(colon + 1)..];
        if (path.Length == 0) throw new InvalidInputException("filepath cannot be empty");
        return new CopyEndpoint(argument[..colon], path);
    }
}

/// <summary>What the source of a copy is.</summary>
public sealed record CopySource(bool IsDirectory, string BaseName, bool ContentsOnly);

/// <summary>What the destination path is (after following symlinks).</summary>
public sealed record CopyDestination(bool Exists, bool IsDirectory);

/// <summary>
/// Where a copy lands: into the destination directory itself (<see cref="IntoDestination"/>) under
/// <see cref="Name"/> (null: the source directory's contents), or beside it in its parent as the destination's own name.
/// </summary>
public sealed record CopyPlan(bool IntoDestination, string? Name);

/// <summary>docker cp's path rules (moby's archive.CopyInfoDestinationPath), pure.</summary>
public static class CopyPaths
{
    /// <summary>The last element of a path as docker names the copy: <c>a/b/</c> is b; <c>a/b/.</c> is b's contents.</summary>
    public static CopySource Source(string path, bool isDirectory)
    {
        bool contents = path == "/" || path.EndsWith("/.", StringComparison.Ordinal) || path == ".";
        if (!isDirectory && (path.EndsWith('/') || contents)) throw new InvalidInputException($"not a directory: {path}");
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        return new CopySource(isDirectory, parts.Count == 0 ? "" : parts[^1], contents || parts.Count == 0);
    }

    public static CopyPlan Plan(CopySource source, string destinationPath, CopyDestination destination)
    {
        bool trailingSlash = destinationPath.EndsWith('/') || destinationPath.EndsWith("/.", StringComparison.Ordinal);
        if (!source.IsDirectory)
        {
            if (destination.Exists && destination.IsDirectory) return new CopyPlan(true, source.BaseName);
            if (trailingSlash)
                throw new InvalidInputException(destination.Exists ? $"not a directory: {destinationPath}" : $"no such directory: {destinationPath}");
            return new CopyPlan(false, null);
        }
        if (destination.Exists && !destination.IsDirectory) throw new InvalidInputException($"cannot copy a directory to a file: {destinationPath}");
        if (!destination.Exists) return new CopyPlan(false, null);
        return new CopyPlan(true, source.ContentsOnly ? null : source.BaseName);
    }

    /// <summary>The parent and the last element of a destination that is created (not <c>/</c>, which always exists).</summary>
    public static (string Parent, string Name) Split(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        if (parts.Count == 0 || parts[^1] == "..") throw new InvalidInputException($"invalid destination: {path}");
        string parent = string.Join('/', parts.Take(parts.Count - 1));
        return (path.StartsWith('/') ? "/" + parent : parent.Length == 0 ? "." : parent, parts[^1]);
    }
}
