namespace Kist.Engine.Distribution;

/// <summary>The states of one layer in a pull or push, as docker names them on its progress lines.</summary>
public enum TransferState
{
    Waiting,
    PullingFsLayer,
    Downloading,
    VerifyingChecksum,
    DownloadComplete,
    PullComplete,
    AlreadyExists,
    Preparing,
    Pushing,
    Pushed,
    LayerAlreadyExists,
    MountedFrom,
    Retrying,
}

/// <summary>Receives what a pull or push does, for the CLI to draw: status lines and per-layer progress.</summary>
public interface ITransferObserver
{
    /// <summary>A line of its own (<c>latest: Pulling from library/busybox</c>).</summary>
    void Message(string line);

    /// <summary>A layer's state; <paramref name="current"/>/<paramref name="total"/> are bytes for the moving states.</summary>
    void Layer(string id, TransferState state, long current = 0, long total = 0, string? detail = null);
}

/// <summary>Discards everything (quiet mode, tests).</summary>
public sealed class NullTransferObserver : ITransferObserver
{
    public static readonly NullTransferObserver Instance = new();
    public void Message(string line) { }
    public void Layer(string id, TransferState state, long current = 0, long total = 0, string? detail = null) { }
}
