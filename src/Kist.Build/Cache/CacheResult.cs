using Kist.Oci;

namespace Kist.Build.Cache;

/// <summary>
/// What a cached step produced: a layer (its blob and diff ID), or nothing (a step that changed no file), with the
/// time it was made (the history's <c>created</c>, so that a cached rebuild gives the same image ID).
/// </summary>
public sealed record CacheResult(Descriptor? Layer, Digest? DiffId, DateTimeOffset Created)
{
    public bool IsEmpty => Layer is null;
}
