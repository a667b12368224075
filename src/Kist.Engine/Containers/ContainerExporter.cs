using Kist.Layers.Diff;
using Kist.Runtime.State;

namespace Kist.Engine.Containers;

/// <summary>docker export: the container's root filesystem, flattened, as one tar stream.</summary>
public sealed class ContainerExporter(ContainerFilesystem files)
{
    public async Task ExportAsync(ContainerRecord c, Stream output, CancellationToken cancellationToken = default)
    {
        using var rootfs = await files.MountAsync(c, writable: false, cancellationToken).ConfigureAwait(false);
        var options = new LayerCreateOptions { Compression = Oci.Compression.None, SourceDateEpoch = null };
        await LayerCreator.CreateFromDirectoryAsync(rootfs.Path, null, output, options, cancellationToken).ConfigureAwait(false);
    }
}
