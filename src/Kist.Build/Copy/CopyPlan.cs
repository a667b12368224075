namespace Kist.Build.Copy;

/// <summary>A planned COPY/ADD: its cache-key checksum, and the writes that realise it in a target rootfs.</summary>
public sealed class CopyPlan : IAsyncDisposable
{
    private readonly CopyRequest _request;
    private readonly CopyDestination _destination;
    private readonly uint? _chmod;
    private readonly IReadOnlyList<CopyItem> _items;
    private readonly DownloadDirectory _downloads;

    internal CopyPlan(CopyRequest request, CopyDestination destination, uint? chmod, IReadOnlyList<CopyItem> items, string checksum,
        DownloadDirectory downloads)
    {
        _request = request;
        _destination = destination;
        _chmod = chmod;
        _items = items;
        Checksum = checksum;
        _downloads = downloads;
    }

    /// <summary>
    /// "sha256:…" over what the copy will produce: matched relative paths, each file's content hash and metadata
    /// (mode, uid/gid unless --chown overrides, link targets), NOT mtimes, plus the options (dest, chown, chmod…).
    /// The same inputs give the same checksum in any process (this is the cache key input).
    /// </summary>
    public string Checksum { get; }

    /// <summary>The absolute destination path after WORKDIR (e.g. for progress output).</summary>
    public string DestinationPath => _destination.Path;

    /// <summary>How many files, directories and links the copy writes (item roots included).</summary>
    public int EntryCount => _items.Sum(i => i.Entries.Count);

    /// <summary>
    /// Writes the files into targetRoot (the step's mounted writable rootfs), creating the destination as docker
    /// does, never following a symlink in targetRoot out of it. Ownership: --chown's ids (names looked up in
    /// targetRoot's /etc/passwd and /etc/group), else 0:0 for context files (docker's rule), else the source's ids
    /// for --from copies.
    /// </summary>
    public Task ApplyAsync(string targetRoot, CancellationToken cancellationToken = default) =>
        Task.Run(async () =>
        {
            try { await CopyWriter.ApplyAsync(targetRoot, _request, _destination, _chmod, _items, cancellationToken).ConfigureAwait(false); }
            catch (Layers.Native.NativeException e)
            {
                // A system call refused inside the target (a dangling symlink, a full disk): one clear line for the user.
                throw new Oci.InvalidInputException($"{(_request.IsAdd ? "ADD" : "COPY")} to {_destination.Path}: {e.Message}", e);
            }
        }, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _downloads.Dispose();
        return ValueTask.CompletedTask;
    }
}
