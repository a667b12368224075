using System.Diagnostics;
using System.Text;

namespace Kist.Runtime.Networking;

/// <summary>The iptables work Kist does itself, next to what the CNI plugins do.</summary>
internal static class FirewallRules
{
    /// <summary>
    /// The one machine-wide rule: connections DNATed to the bridge (published ports, from other hosts) are accepted in
    /// the firewall plugin's admin chain, since docker's FORWARD policy is DROP and the plugin's own per-container rules
    /// only accept traffic the container started.
    /// </summary>
    public static async Task AllowPublishedAsync(string bridge, CancellationToken cancellationToken)
    {
        string[] rule = ["CNI-ADMIN", "-o", bridge, "-m", "conntrack", "--ctstate", "DNAT", "-m", "comment", "--comment", "kist published ports", "-j", "ACCEPT"];
        if ((await IptablesAsync(["-w", "-C", .. rule], cancellationToken)).ExitCode == 0) return;
        await IptablesAsync(["-w", "-A", .. rule], cancellationToken);
    }

    /// <summary>
    /// Removes every rule whose comment names the container (the plugins tag theirs <c>id: "ID"</c>) and the per-container
    /// chains they jump to. The bridge plugin cannot undo its masquerade rules once the namespace is gone (it reads the
    /// address from the interface), so a detach after a crash sweeps here.
    /// </summary>
    public static async Task RemoveContainerRulesAsync(string containerId, CancellationToken cancellationToken)
    {
        foreach (string table in new[] { "nat", "filter" })
        {
            var (exit, rules) = await IptablesAsync(["-w", "-t", table, "-S"], cancellationToken);
            if (exit != 0) continue;
            var chains = new List<string>();
            foreach (string line in rules.Split('\n'))
            {
                if (!line.StartsWith("-A ", StringComparison.Ordinal) || !line.Contains(containerId, StringComparison.Ordinal)) continue;
                var tokens = Tokenize(line);
                tokens[0] = "-D";
                await IptablesAsync(["-w", "-t", table, .. tokens], cancellationToken);
                int jump = tokens.IndexOf("-j");
                if (jump > 0 && jump + 1 < tokens.Count && tokens[jump + 1] is var target && target.StartsWith("CNI-", StringComparison.Ordinal)
                    && !target.StartsWith("CNI-HOSTPORT-", StringComparison.Ordinal) && target is not ("CNI-FORWARD" or "CNI-ADMIN"))
                {
                    chains.Add(target);
                }
            }
            foreach (string chain in chains.Distinct())
            {
                await IptablesAsync(["-w", "-t", table, "-F", chain], cancellationToken);
                await IptablesAsync(["-w", "-t", table, "-X", chain], cancellationToken);
            }
        }
    }

    /// <summary>Splits one line of <c>iptables -S</c>: words, and double-quoted strings with backslash escapes.</summary>
    internal static List<string> Tokenize(string line)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        bool quoted = false, any = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '\\' && i + 1 < line.Length) current.Append(line[++i]);
                else if (c == '"') quoted = false;
                else current.Append(c);
            }
            else if (c == '"') { quoted = true; any = true; }
            else if (c == ' ')
            {
                if (any || current.Length > 0) tokens.Add(current.ToString());
                current.Clear();
                any = false;
            }
            else current.Append(c);
        }
        if (any || current.Length > 0) tokens.Add(current.ToString());
        return tokens;
    }

    private static async Task<(int ExitCode, string Stdout)> IptablesAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("iptables") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        try
        {
            using var process = System.Diagnostics.Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, await stdout);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, "");
        }
    }
}
