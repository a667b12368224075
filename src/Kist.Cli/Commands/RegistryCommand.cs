using System.CommandLine;
using Kist.Cli.Formatting;
using Kist.Engine;
using Kist.Engine.Registry;

namespace Kist.Cli.Commands;

/// <summary><c>kist registry serve|gc</c>: an OCI distribution registry on the local disk.</summary>
internal static class RegistryCommand
{
    private static Option<string?> StorageOption() => new("--storage")
    {
        Description = "Directory of the registry's data (default: ROOT/registry, or the config's \"storage\")",
    };

    private static Option<string?> ConfigOption() => new("--config")
    {
        Description = "Registry config file (JSON: addr, storage, readOnly, tls, auth, limits, gc, log)",
    };

    public static Command Create() => new("registry", "Run an OCI distribution registry")
    {
        Serve(),
        Gc(),
    };

    private static Command Serve()
    {
        var storage = StorageOption();
        var config = ConfigOption();
        var addr = new Option<string?>("--addr") { Description = "Address to listen on, HOST:PORT (default 127.0.0.1:5000)" };
        var readOnly = new Option<bool>("--read-only") { Description = "Serve pulls only" };
        var command = new Command("serve", "Serve a registry that docker, skopeo and kist push to and pull from") { addr, storage, config, readOnly };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var settings = new RegistrySettings(result.GetValue(addr), result.GetValue(storage), result.GetValue(config), result.GetValue(readOnly));
            await RegistryServerService.ServeAsync(settings, KistEngine.ResolveRoot(result.GetValue(Cli.Root)),
                listening => { Cli.Out.WriteLine("kist registry listening on " + listening); Cli.Out.Flush(); }, cancellationToken);
            return 0;
        });
    }

    private static Command Gc()
    {
        var storage = StorageOption();
        var config = ConfigOption();
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Only list what would be removed" };
        var grace = new Option<int?>("--grace-seconds") { Description = "Keep unreferenced blobs used this recently (default: the config's gc.graceSeconds, or 3600)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the summary" };
        var command = new Command("gc", "Remove blobs that no manifest references (safe while clients push)") { storage, config, dryRun, grace, quiet };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var settings = new RegistrySettings(null, result.GetValue(storage), result.GetValue(config));
            var seconds = result.GetValue(grace);
            var report = await RegistryServerService.CollectGarbageAsync(settings, KistEngine.ResolveRoot(result.GetValue(Cli.Root)),
                result.GetValue(dryRun), seconds is { } s ? TimeSpan.FromSeconds(s) : null, cancellationToken);
            if (!result.GetValue(quiet))
            {
                foreach (var blob in report.Removed) Cli.Out.WriteLine((report.DryRun ? "would remove " : "removed ") + blob.Digest);
            }
            Cli.Out.WriteLine($"{(report.DryRun ? "Would reclaim" : "Reclaimed")} {Units.HumanSize(report.RemovedBytes)} in {report.Removed.Count} blobs; "
                + $"{report.Kept} blobs kept; {report.StaleUploads} stale uploads {(report.DryRun ? "found" : "removed")}");
            return 0;
        });
    }
}
