namespace Kist.Registry.Uploads;

/// <summary>What pushing one blob took.</summary>
public enum BlobPushResult
{
    /// <summary>The repository had it already (HEAD said so).</summary>
    Existed,
    /// <summary>Mounted from another repository of the same registry, no bytes sent.</summary>
    Mounted,
    Uploaded,
}
