using Kist.Cli.Formatting;
using Kist.Engine;
using Kist.Engine.Containers;
using Kist.Engine.Distribution;
using Kist.Oci;
using Kist.Runtime.State;

namespace Kist.Cli.Commands;

/// <summary>Pulls for <c>pull</c> and for <c>run</c>/<c>create</c>, with docker's progress and status lines.</summary>
internal static class ImagePuller
{
    /// <summary>
    /// Pulls what <c>run</c>/<c>create</c> need, as docker does: the progress and status on stderr, no final
    /// reference line.
    /// </summary>
    public static async Task PullForContainerAsync(KistEngine engine, string image, CancellationToken cancellationToken)
    {
        var output = Cli.Error;
        using var display = new TransferDisplay(output, !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb");
        var pulled = await engine.Pull(new DistributionOptions()).PullAsync(image, new PullOptions(), display, cancellationToken);
        display.Dispose();
        foreach (var one in pulled) ReportStatus(output, one);
        output.Flush();
    }

    /// <summary>
    /// Creates the container after pulling its image as <c>--pull</c> says: <c>always</c> first, <c>missing</c>
    /// (the default) only when the store has no such image, <c>never</c> not at all.
    /// </summary>
    public static Task<ContainerRecord> CreateContainerAsync(KistEngine engine, CreateRequest request, string policy, CancellationToken cancellationToken) =>
        WithImageAsync(engine, request.Image, policy, () => engine.Containers.CreateAsync(request, cancellationToken), cancellationToken);

    /// <summary>
    /// Does what needs the image (<paramref name="use"/>: define a container, or run one) after pulling it as
    /// <c>--pull</c> says: <c>always</c> first; <c>missing</c> (the default) when <paramref name="use"/> found no such
    /// image in the store, then <paramref name="use"/> again; <c>never</c> not at all.
    /// </summary>
    public static async Task<T> WithImageAsync<T>(KistEngine engine, string image, string policy, Func<Task<T>> use, CancellationToken cancellationToken)
    {
        if (policy == "always") await PullForContainerAsync(engine, image, cancellationToken);
        try
        {
            return await use();
        }
        catch (ImageNotFoundException) when (policy == "missing" && IsPullable(image))
        {
            Cli.Error.WriteLine($"Unable to find image '{ImageReference.Parse(image).ToFamiliarString()}' locally");
            await PullForContainerAsync(engine, image, cancellationToken);
            return await use();
        }
    }

    /// <summary>docker's check of <c>--pull</c>; null when valid, else the error.</summary>
    public static string? CheckPolicy(string policy) => policy is "always" or "missing" or "never"
        ? null
        : $"invalid pull option: '{policy}': must be one of \"always\", \"missing\" or \"never\"";

    /// <summary>docker's two closing lines of a pull: the digest (pulled by tag) and whether anything was new.</summary>
    public static void ReportStatus(TextWriter output, PullResult pulled)
    {
        string shown = pulled.Reference.ToFamiliarString();
        if (pulled.Reference.Digest is null) output.WriteLine("Digest: " + pulled.Target.Digest);
        output.WriteLine(pulled.Downloaded ? $"Status: Downloaded newer image for {shown}" : $"Status: Image is up to date for {shown}");
    }

    /// <summary>True for a reference a registry could serve (not an image ID).</summary>
    public static bool IsPullable(string image) =>
        !image.StartsWith("sha256:", StringComparison.Ordinal) && ImageReference.TryParse(image, out _);
}
