using Kist.Content;

namespace Kist.Build.Planning;

/// <summary>Finds an image by name or ID in the store, pulling it when it is missing (or always, with <paramref name="pull"/>).</summary>
public interface IImageResolver
{
    Task<LocalImage> ResolveAsync(string reference, bool pull, CancellationToken cancellationToken = default);
}
