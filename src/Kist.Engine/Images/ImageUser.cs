using Kist.Oci;

namespace Kist.Engine.Images;

/// <summary>A container made from an image: <c>rmi</c> and the prunes leave that image alone, as docker does.</summary>
public sealed record ImageUser(string ContainerId, Digest ImageId, bool Running)
{
    public string ShortId => ContainerId[..Math.Min(12, ContainerId.Length)];
}
