using Kist.Content.Archives;
using Kist.Engine.Layers;
using Kist.Layers.Diff;
using Kist.Oci;
using Kist.Snapshots;

namespace Kist.Engine.Build;

/// <summary>
/// <c>--output type=image|docker|oci|tar|local[,dest=PATH]</c> (a bare path is <c>type=local</c>): where the built
/// image goes besides the store. <c>dest=-</c> (or no dest) writes the archive types to stdout.
/// </summary>
public sealed record BuildOutput(string Type, string? Destination)
{
    public static BuildOutput Parse(string spec)
    {
        if (!spec.Contains('=')) return new BuildOutput("local", spec);
        string? type = null, dest = null;
        foreach (var field in spec.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = field.IndexOf('=');
            string key = eq < 0 ? field : field[..eq], value = eq < 0 ? "" : field[(eq + 1)..];
            switch (key)
            {
                case "type": type = value; break;
                case "dest": dest = value; break;
                case "name" or "push" or "compression" or "oci-mediatypes" or "rewrite-timestamp": break; // accepted, not needed here
                default: throw new InvalidInputException($"invalid output option {key}");
            }
        }
        type ??= "local";
        if (type is not ("image" or "docker" or "oci" or "tar" or "local")) throw new InvalidInputException($"unsupported output type {type}: image, docker, oci, tar or local");
        if (type == "local" && string.IsNullOrEmpty(dest)) throw new InvalidInputException("output type local needs dest=DIRECTORY");
        return new BuildOutput(type, dest);
    }

    /// <summary>Writes the built image (in the store as <paramref name="imageId"/>) where this output asks.</summary>
    public async Task WriteAsync(KistEngine engine, Digest imageId, Func<Stream> stdout, CancellationToken cancellationToken = default)
    {
        if (Type == "image") return;
        if (Type == "local")
        {
            await WithRootfsAsync(engine, imageId, rootfs =>
            {
                Directory.CreateDirectory(Destination!);
                TreeCopier.CopyContents(rootfs, Destination!);
                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        await using var output = Destination is null or "-" ? stdout() : File.Create(Destination);
        if (Type == "tar")
        {
            await WithRootfsAsync(engine, imageId, rootfs =>
                LayerCreator.CreateFromDirectoryAsync(rootfs, null, output, new LayerCreateOptions { Compression = Compression.None }, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            return;
        }
        await engine.Images.SaveAsync([imageId.ToString()], output, Type == "oci" ? ArchiveFormat.OciArchive : ArchiveFormat.DockerArchive, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WithRootfsAsync(KistEngine engine, Digest imageId, Func<string, Task> use, CancellationToken cancellationToken)
    {
        var mounts = new ImageMountService(engine);
        string rootfs = await mounts.MountAsync(imageId.ToString(), cancellationToken).ConfigureAwait(false);
        try
        {
            await use(rootfs).ConfigureAwait(false);
        }
        finally
        {
            await mounts.UnmountAsync(imageId.ToString(), CancellationToken.None).ConfigureAwait(false);
        }
    }
}
