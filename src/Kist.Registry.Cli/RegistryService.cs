using Kist.Registry.Server;

namespace Kist.Registry.Cli;

/// <summary>What <c>kist registry serve|gc</c> were given; flags win over the config file.</summary>
internal sealed record RegistrySettings(string? Address = null, string? Storage = null, string? ConfigFile = null, bool ReadOnly = false);

internal sealed record RegistryGcBlob(string Digest, long Size);

internal sealed record RegistryGcResult(IReadOnlyList<RegistryGcBlob> Removed, int Kept, int StaleUploads, bool DryRun)
{
    public long RemovedBytes => Removed.Sum(b => b.Size);
}

/// <summary>The registry server for the command line: serve until cancelled, collect garbage.</summary>
internal static class RegistryService
{
    /// <summary>Where the registry keeps its data when neither <c>--storage</c> nor the config says: <c>ROOT/registry</c>.</summary>
    public static string DefaultStorage(string root) => Path.Combine(root, "registry");

    private static RegistryOptions Options(RegistrySettings settings, string root)
    {
        var options = settings.ConfigFile is null ? new RegistryOptions() : RegistryOptions.FromConfig(RegistryConfig.Load(settings.ConfigFile));
        if (settings.Address is not null) options.Address = settings.Address;
        if (settings.Storage is not null) options.StoragePath = Path.GetFullPath(settings.Storage);
        options.StoragePath ??= DefaultStorage(root);
        if (settings.ReadOnly) options.ReadOnly = true;
        RegistryOptions.ParseAddress(options.Address); // fail early on a bad address
        return options;
    }

    /// <summary>
    /// Serves until <paramref name="cancellationToken"/> fires (SIGINT/SIGTERM), then stops accepting connections and
    /// lets running requests, uploads included, finish (up to the configured shutdown timeout) before returning.
    /// </summary>
    public static async Task ServeAsync(RegistrySettings settings, string root, Action<string> started, CancellationToken cancellationToken = default)
    {
        var options = Options(settings, root);
        await using var host = await RegistryHost.StartAsync(options, cancellationToken: cancellationToken);
        using var stopped = new ManualResetEventSlim();
        // The command line's own signal handling gives an action only a moment after cancelling it; keep the
        // process alive until running uploads are finished.
        EventHandler keepAlive = (_, _) => stopped.Wait(options.ShutdownTimeout + TimeSpan.FromSeconds(5));
        AppDomain.CurrentDomain.ProcessExit += keepAlive;
        try
        {
            started($"{host.BaseAddress} (storage {options.StoragePath}, auth {options.Auth.ToString().ToLowerInvariant()}{(options.ReadOnly ? ", read-only" : "")})");
            // SIGINT/SIGTERM reach the host's own lifetime and the command line's token; either one stops the host,
            // which stops accepting connections and lets running requests finish.
            using var registration = cancellationToken.Register(host.RequestStop);
            await host.WaitForShutdownAsync(CancellationToken.None);
        }
        finally
        {
            stopped.Set();
            AppDomain.CurrentDomain.ProcessExit -= keepAlive;
        }
    }

    /// <summary>Removes blobs no manifest references (older than the grace period) and stale uploads.</summary>
    public static async Task<RegistryGcResult> CollectGarbageAsync(RegistrySettings settings, string root, bool dryRun, TimeSpan? grace = null, CancellationToken cancellationToken = default)
    {
        var options = Options(settings, root);
        if (!Directory.Exists(options.StoragePath)) throw new Kist.Oci.NotFoundException($"no registry storage at {options.StoragePath}");
        var report = await GarbageCollector.CollectAsync(options.ResolveStorageForTools(), grace ?? options.GcGrace, options.UploadTtl, dryRun, cancellationToken);
        return new RegistryGcResult([.. report.Removed.Select(b => new RegistryGcBlob(b.Digest.ToString(), b.Size))], report.Kept, report.StaleUploads.Count, dryRun);
    }
}
