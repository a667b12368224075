using System.Diagnostics;
using System.Text.Json.Nodes;
using Kist.Oci;

namespace Kist.Runtime.Networking;

/// <summary>A CNI network operation failed: the plugin's own error (code, msg, details) as one line.</summary>
public sealed class NetworkException(string message) : KistException(message);

/// <summary>Runs one CNI plugin binary with the CNI protocol: <c>CNI_*</c> environment, the network config on stdin, a result on stdout.</summary>
internal static class CniPlugin
{
    public static async Task<JsonObject?> ExecAsync(
        string pluginDirectory, string type, string command, string containerId, string netns, string ifname,
        JsonObject config, CancellationToken cancellationToken)
    {
        string binary = Path.Combine(pluginDirectory, type);
        if (!File.Exists(binary))
        {
            throw new NetworkException($"CNI plugin {type} not found in {pluginDirectory} (install containernetworking-plugins)");
        }
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["CNI_COMMAND"] = command;
        start.Environment["CNI_CONTAINERID"] = containerId;
        start.Environment["CNI_NETNS"] = netns;
        start.Environment["CNI_IFNAME"] = ifname;
        start.Environment["CNI_PATH"] = pluginDirectory;
        // The plugins run iptables and ip: make sure sbin is on the PATH even when kist's caller trimmed it.
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        start.Environment["PATH"] = path.Contains("/usr/sbin", StringComparison.Ordinal) ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" + (path.Length > 0 ? ":" + path : "");

        using var process = System.Diagnostics.Process.Start(start) ?? throw new NetworkException($"cannot start CNI plugin {binary}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(config.ToJsonString());
        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken);
        string output = await stdout;
        string errorText = await stderr;
        if (process.ExitCode != 0) throw new NetworkException($"CNI {type} {command}: {Describe(output, errorText, process.ExitCode)}");
        if (string.IsNullOrWhiteSpace(output)) return null;
        try
        {
            return JsonNode.Parse(output) as JsonObject ?? throw new NetworkException($"CNI {type} {command}: result is not a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new NetworkException($"CNI {type} {command}: unreadable result: {e.Message}");
        }
    }

    /// <summary>The CNI error document (<c>{"code","msg","details"}</c>) as one line, else what the plugin wrote.</summary>
    private static string Describe(string stdout, string stderr, int exitCode)
    {
        try
        {
            if (JsonNode.Parse(stdout) is JsonObject error && error["msg"] is JsonValue msg)
            {
                string text = msg.ToString();
                if (error["details"] is JsonValue details && details.ToString() is { Length: > 0 } d && d != text) text += ": " + d;
                return text;
            }
        }
        catch (System.Text.Json.JsonException) { }
        string raw = (stdout + " " + stderr).Trim();
        return raw.Length > 0 ? raw : $"exit code {exitCode}";
    }
}
