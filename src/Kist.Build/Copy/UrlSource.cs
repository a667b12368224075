using System.Security.Cryptography;
using Kist.Layers.Native;
using Kist.Oci;

namespace Kist.Build.Copy;

/// <summary>ADD of an http(s) URL: downloaded into a temp file named after the URL's path, mode 0600, mtime from
/// Last-Modified, verified against --checksum. Remote files are never extracted (as BuildKit).</summary>
internal static class UrlSource
{
    public static bool IsRemote(string source) =>
        source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ||
        IsGit(source);

    private static bool IsGit(string source) =>
        source.StartsWith("git@", StringComparison.Ordinal) || source.StartsWith("git://", StringComparison.OrdinalIgnoreCase) ||
        source.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase);

    public static async Task<CopyItem> DownloadAsync(string url, string? checksum, HttpClient? http, DownloadDirectory downloads,
        CancellationToken cancellationToken)
    {
        if (IsGit(url) || url.EndsWith(".git", StringComparison.OrdinalIgnoreCase))
            throw new InvalidInputException($"ADD of a git repository is not supported: {url}");
        if (http is null) throw new InvalidInputException($"ADD {url}: no HTTP client to download with");
        Digest? expected = null;
        if (checksum is not null)
        {
            if (!Digest.TryParse(checksum, out var d) || d.Algorithm != Digest.Sha256)
                throw new InvalidInputException($"invalid checksum \"{checksum}\": expected sha256:<64 hex digits>");
            expected = d;
        }
        var uri = new Uri(url);
        var name = Path.GetFileName(Uri.UnescapeDataString(uri.AbsolutePath));
        if (name is "" or "." or "..") name = "__unnamed__";
        var dir = downloads.NewSubdirectory();
        var file = Path.Combine(dir, name);
        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new InvalidInputException($"failed to load cache key: invalid response status {(int)response.StatusCode} from {url}");
        string hex;
        await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
        await using (var output = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            int n;
            while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
            hex = Convert.ToHexStringLower(sha.GetHashAndReset());
        }
        if (expected is { } want && want.Encoded != hex)
            throw new DigestMismatchException($"digest mismatch for {url}: expected {want}, got sha256:{hex}");
        if (Libc.FchmodAt(Libc.AT_FDCWD, file, 0x180, 0) != 0) throw new NativeException("chmod", file, Libc.Errno);
        if (response.Content.Headers.LastModified is { } modified) File.SetLastWriteTimeUtc(file, modified.UtcDateTime);
        int fd = Dirs.OpenRoot(dir);
        FileStat st;
        try { st = FileStat.Lstat(fd, name); }
        finally { Libc.Close(fd); }
        return new CopyItem
        {
            SourceRoot = dir, Name = name, IsDirectory = false,
            Entries = [new CopyEntry { Rel = "", SourcePhys = name, Stat = st, ContentHash = hex }],
        };
    }
}
