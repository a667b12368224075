using System.Text;
using Kist.Oci;

namespace Kist.Content;

/// <summary>
/// The on-disk shape of a Kist root: an OCI image layout (<c>oci-layout</c>, <c>index.json</c>,
/// <c>blobs/</c>) that skopeo and umoci read directly, with Kist's own working folders beside it.
/// </summary>
public sealed class StoreLayout
{
    public StoreLayout(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }
    public string LayoutFile => Path.Combine(Root, ImageLayoutFile.FileName);
    public string IndexFile => Path.Combine(Root, "index.json");
    public string BlobsDirectory => Path.Combine(Root, "blobs");
    /// <summary>Unfinished writes; never referenced by the layout.</summary>
    public string IngestDirectory => Path.Combine(Root, "ingest");
    public string LocksDirectory => Path.Combine(Root, "locks");
    /// <summary>Held exclusively while index.json is rewritten.</summary>
    public string IndexLock => Path.Combine(LocksDirectory, "index.lock");
    /// <summary>Held shared by every operation that adds content, exclusively by garbage collection.</summary>
    public string GcLock => Path.Combine(LocksDirectory, "gc.lock");

    /// <summary>
    /// Extra garbage-collection roots: every <c>*.json</c> file below is an OCI index whose descriptors are kept (the
    /// build cache keeps its layers here, out of <c>index.json</c> and so out of <c>kist images</c>).
    /// </summary>
    public string GcRootsDirectory => Path.Combine(Root, "gcroots");

    public string BlobPath(Digest digest) => Path.Combine(BlobsDirectory, digest.Algorithm, digest.Encoded);

    /// <summary>Creates the layout if it is missing; safe to run from several processes at once.</summary>
    public void EnsureCreated()
    {
        if (File.Exists(IndexFile) && Directory.Exists(IngestDirectory) && Directory.Exists(LocksDirectory)) return;
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Path.Combine(BlobsDirectory, Digest.Sha256));
        Directory.CreateDirectory(IngestDirectory);
        Directory.CreateDirectory(LocksDirectory);
        WriteIfMissing(LayoutFile, OciDocuments.Serialize(new ImageLayoutFile { ImageLayoutVersion = ImageLayoutFile.CurrentVersion }, OciJsonContext.Default.ImageLayoutFile));
        WriteIfMissing(IndexFile, Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OciIndex + "\",\"manifests\":[]}"));
    }

    private void WriteIfMissing(string path, byte[] content)
    {
        if (File.Exists(path)) return;
        string temp = Path.Combine(IngestDirectory, "init-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(temp, content);
        try
        {
            // link(2) fails if another process created the file first: the first writer wins.
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
        }
    }
}
