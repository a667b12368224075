using Kist.Content;
using Kist.Engine.Containers;
using Kist.Engine.Distribution;
using Kist.Engine.Images;
using Kist.Runtime.Networking;
using Kist.Runtime.Volumes;

namespace Kist.Engine;

/// <summary>The composition root: every service of one Kist root directory.</summary>
public sealed class KistEngine
{
    public const string DefaultRoot = "/var/lib/kist";
    public const string RootEnvironmentVariable = "KIST_ROOT";

    public KistEngine(string root)
    {
        Layout = new StoreLayout(root);
        Layout.EnsureCreated();
        Content = new LocalContentStore(Layout);
        ImageStore = new ImageStore(Layout, Content);
        Images = new ImageService(ImageStore, ImageUsersAsync);
    }

    public StoreLayout Layout { get; }
    public LocalContentStore Content { get; }
    public ImageStore ImageStore { get; }
    public ImageService Images { get; }

    public PullService Pull(DistributionOptions options) => new(ImageStore, options);

    public PushService Push(DistributionOptions options) => new(Images, options);

    /// <summary>Bridge networking: the CNI plugins (kist0) unless another manager is given.</summary>
    public INetworkManager? Network { get => _network ??= new CniNetworkManager(); init => _network = value; }
    private INetworkManager? _network;
    /// <summary>Named volumes: <c>ROOT/volumes</c> unless another store is given.</summary>
    public IVolumeStore? Volumes { get => _volumes ??= LocalVolumeStore.ForRoot(Layout.Root); init => _volumes = value; }
    private IVolumeStore? _volumes;

    private ContainerService? _containers;
    public ContainerService Containers => _containers ??= new ContainerService(this, Network, Volumes);

    /// <summary>The containers and their images, for the image commands that must keep those (rmi, prune).</summary>
    private Task<IReadOnlyList<ImageUser>> ImageUsersAsync(CancellationToken cancellationToken) => Containers.ImageUsersAsync(cancellationToken);

    /// <summary>The root from <c>--root</c>, else <c>KIST_ROOT</c>, else <see cref="DefaultRoot"/>.</summary>
    public static string ResolveRoot(string? option) =>
        !string.IsNullOrEmpty(option) ? option
        : Environment.GetEnvironmentVariable(RootEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : DefaultRoot;
}
