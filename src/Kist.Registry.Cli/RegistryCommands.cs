using System.CommandLine;
using System.Globalization;

namespace Kist.Registry.Cli;

/// <summary><c>kist registry serve|gc</c>: an OCI distribution registry on the local disk.</summary>
internal static class RegistryCommands
{
    /// <summary><c>kist registry</c> passes the root it resolved; run alone, this binary resolves it as kist does.</summary>
    public static readonly Option<string?> Root = new("--root")
    {
        Description = "Root directory of the store (default: $KIST_ROOT or /var/lib/kist)",
        Recursive = true,
    };

    public static readonly Option<bool> Debug = new("--debug", "-D")
    {
        Description = "Show stack traces of errors",
        Recursive = true,
    };

    public static RootCommand Create()
    {
        var command = new RootCommand("kist registry (kist-registry): an OCI distribution registry") { Root, Debug, Serve(), Gc() };
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("kist registry: a command is required (serve or gc)");
            Console.Error.WriteLine("See 'kist registry --help'.");
            return 125;
        });
        return command;
    }

    private static string ResolveRoot(ParseResult result) =>
        result.GetValue(Root) is { Length: > 0 } root ? root
        : Environment.GetEnvironmentVariable("KIST_ROOT") is { Length: > 0 } fromEnvironment ? fromEnvironment
        : "/var/lib/kist";

    private static Option<string?> StorageOption() => new("--storage")
    {
        Description = "Directory of the registry's data (default: ROOT/registry, or the config's \"storage\")",
    };

    private static Option<string?> ConfigOption() => new("--config")
    {
        Description = "Registry config file (JSON: addr, storage, readOnly, tls, auth, limits, gc, log)",
    };

    private static Command Serve()
    {
        var storage = StorageOption();
        var config = ConfigOption();
        var addr = new Option<string?>("--addr") { Description = "Address to listen on, HOST:PORT (default 127.0.0.1:5000)" };
        var readOnly = new Option<bool>("--read-only") { Description = "Serve pulls only" };
        var command = new Command("serve", "Serve a registry that docker, skopeo and kist push to and pull from") { addr, storage, config, readOnly };
        command.SetAction(async (result, cancellationToken) =>
        {
            var settings = new RegistrySettings(result.GetValue(addr), result.GetValue(storage), result.GetValue(config), result.GetValue(readOnly));
            await RegistryService.ServeAsync(settings, ResolveRoot(result),
                listening => { Console.Out.WriteLine("kist registry listening on " + listening); Console.Out.Flush(); }, cancellationToken);
            return 0;
        });
        return command;
    }

    private static Command Gc()
    {
        var storage = StorageOption();
        var config = ConfigOption();
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Only list what would be removed" };
        var grace = new Option<int?>("--grace-seconds") { Description = "Keep unreferenced blobs used this recently (default: the config's gc.graceSeconds, or 3600)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the summary" };
        var command = new Command("gc", "Remove blobs that no manifest references (safe while clients push)") { storage, config, dryRun, grace, quiet };
        command.SetAction(async (result, cancellationToken) =>
        {
            var settings = new RegistrySettings(null, result.GetValue(storage), result.GetValue(config));
            var seconds = result.GetValue(grace);
            var report = await RegistryService.CollectGarbageAsync(settings, ResolveRoot(result),
                result.GetValue(dryRun), seconds is { } s ? TimeSpan.FromSeconds(s) : null, cancellationToken);
            if (!result.GetValue(quiet))
            {
                foreach (var blob in report.Removed) Console.Out.WriteLine((report.DryRun ? "would remove " : "removed ") + blob.Digest);
            }
            Console.Out.WriteLine($"{(report.DryRun ? "Would reclaim" : "Reclaimed")} {HumanSize(report.RemovedBytes)} in {report.Removed.Count} blobs; "
                + $"{report.Kept} blobs kept; {report.StaleUploads} stale uploads {(report.DryRun ? "found" : "removed")}");
            return 0;
        });
        return command;
    }

    /// <summary>Decimal units with three significant digits, as docker (go-units) writes sizes: <c>4.26MB</c>, <c>0B</c>.</summary>
    private static string HumanSize(double size)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB", "PB"];
        int unit = 0;
        for (; size >= 1000 && unit < units.Length - 1; unit++) size /= 1000;
        return size.ToString("G3", CultureInfo.InvariantCulture).Replace('E', 'e') + units[unit];
    }
}
