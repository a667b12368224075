using Kist.Build.Copy.Archives;
using Kist.Dockerfile.Ignore;
using Kist.Oci;

namespace Kist.Build.Copy;

/// <summary>Plans a COPY/ADD: sources matched (wildcards, directories, URLs downloaded), contents hashed for the cache key.</summary>
public static class CopyPlanner
{
    /// <summary>
    /// Resolves the sources (wildcards, directories, URLs downloaded into a temp file), failing with docker's errors
    /// ("…: not found" for a plain source that matches nothing; a wildcard may match nothing, as in BuildKit).
    /// </summary>
    public static async Task<CopyPlan> PlanAsync(CopyRequest request, HttpClient? http, CancellationToken cancellationToken = default)
    {
        if (request.Sources.Count == 0) throw new InvalidInputException($"{Verb(request)} requires at least one source");
        var dest = CopyDestination.Resolve(request.Destination, request.WorkingDir);
        var chmod = CopyMode.Parse(request.Chmod);
        if (request.Checksum is not null && !request.IsAdd) throw new InvalidInputException("--checksum is only supported with ADD");
        var excludes = request.Excludes.Count > 0 ? new IgnoreMatcher(request.Excludes) : null;
        var downloads = new DownloadDirectory();
        var items = new List<CopyItem>();
        try
        {
            using (var reader = new SourceReader(request.From))
            {
                foreach (var source in request.Sources)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (UrlSource.IsRemote(source))
                    {
                        if (!request.IsAdd) throw new InvalidInputException($"source can't be a URL for COPY: {source}");
                        items.Add(await UrlSource.DownloadAsync(source, request.Checksum, http, downloads, cancellationToken).ConfigureAwait(false));
                        continue;
                    }
                    if (request.Checksum is not null) throw new InvalidInputException("checksum can't be specified for non-HTTP(S) sources");
                    foreach (var match in reader.Match(source))
                    {
                        if (excludes is not null && match.Logical.Length > 0 && excludes.IsExcluded(match.Logical)) continue;
                        var entries = reader.List(match, match.Stat.IsDirectory ? excludes : null);
                        bool extract = request.IsAdd && !match.Stat.IsDirectory && match.Stat.IsRegular &&
                            await ArchiveProbe.IsArchiveAsync(reader.Tree, match.Phys, cancellationToken).ConfigureAwait(false);
                        items.Add(new CopyItem
                        {
                            SourceRoot = reader.Tree.RootPath, Name = BaseName(match.Logical, match.Phys),
                            IsDirectory = match.Stat.IsDirectory, Extract = extract, Entries = entries,
                            ParentsPath = request.Parents ? ParentsPath(source, match) : null,
                        });
                    }
                }
                // One parallel pass over every file of every local item (URL items are hashed while downloading).
                ContentHasher.HashAll(reader.Tree, items.Where(i => i.SourceRoot == reader.Tree.RootPath).SelectMany(i => i.Entries), cancellationToken);
            }
            if (items.Count > 1 && !dest.IsDirectory && !request.Parents)
                throw new InvalidInputException($"When using {Verb(request)} with more than one source file, the destination must be a directory and end with a /");
            var checksum = PlanChecksum.Compute(request, dest, chmod, items);
            return new CopyPlan(request, dest, chmod, items, checksum, downloads);
        }
        catch
        {
            downloads.Dispose();
            throw;
        }
    }

    private static string Verb(CopyRequest request) => request.IsAdd ? "ADD" : "COPY";

    private static string BaseName(string logical, string phys)
    {
        var path = logical.Length > 0 ? logical : phys;
        var i = path.LastIndexOf('/');
        return i < 0 ? path : path[(i + 1)..];
    }

    // --parents keeps the matched path below the context root, or below a "/./" pivot when the source has one.
    private static string ParentsPath(string source, SourceMatch match)
    {
        // A leading "./" only says "relative to the context" (./x/./y/*.txt pivots at y, the reference's example).
        var path = source.Replace('\\', '/');
        while (path.StartsWith("./", StringComparison.Ordinal)) path = path[2..];
        var pivot = ("/" + path).IndexOf("/./", StringComparison.Ordinal);
        if (pivot < 0) return match.Logical;
        var before = GoPath.Clean("/" + path[..Math.Max(0, pivot - 1)]).TrimStart('/');
        if (before.Length == 0) return match.Logical;
        return match.Logical.StartsWith(before + "/", StringComparison.Ordinal) ? match.Logical[(before.Length + 1)..] : match.Logical;
    }
}
