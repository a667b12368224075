using Kist.Content;
using Kist.Oci;

namespace Kist.Build.Execution;

/// <summary>Writes the built image: its config (with the <c>--label</c>s) and an OCI manifest over its layers.</summary>
public static class ImageWriter
{
    public static async Task<BuildResult> WriteAsync(BuildEnvironment env, ImageState state, CancellationToken cancellationToken)
    {
        var labels = state.Config.Labels;
        if (env.Options.Labels.Count > 0)
        {
            var merged = labels is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(labels, StringComparer.Ordinal);
            foreach (var (k, v) in env.Options.Labels) merged[k] = v;
            labels = merged;
        }
        var config = new ImageConfig
        {
            Created = env.Options.SourceDateEpoch is not null ? env.Now() : state.LastCreated ?? env.Now(),
            Author = state.Author,
            Architecture = state.Architecture,
            Os = state.Os,
            Variant = state.Variant,
            Config = state.Config with { Labels = labels },
            RootFs = new RootFs { DiffIds = state.DiffIds },
            History = state.History,
        };
        var configBytes = OciDocuments.Serialize(config, OciJsonContext.Default.ImageConfig);
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digest.Compute(configBytes), Size = configBytes.Length },
            Layers = state.Layers,
        };
        var manifestBytes = OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest);
        await env.Content.PutAsync(configBytes, MediaTypes.OciConfig, cancellationToken).ConfigureAwait(false);
        var target = await env.Content.PutAsync(manifestBytes, MediaTypes.OciManifest, cancellationToken).ConfigureAwait(false);
        return new BuildResult(manifest.Config.Digest, target, config, state.Layers);
    }
}
