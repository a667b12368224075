using System.Diagnostics;
using System.Text;

namespace Kist.Runtime.Networking;

/// <summary>The iptables work Kist does itself, next to what the CNI plugins do.</summary>
internal static class FirewallRules
{
    /// <summary>
    /// docker's rules for its bridge, made once for Kist's: containers on the bridge reach out through masquerade, and
    /// the FORWARD chain (whose policy dockerd sets to DROP) accepts what comes from the bridge, what answers it, and
    /// connections DNATed to it (published ports). One iptables run checks the masquerade rule, made last; when it is
    /// missing (first use since boot, or the rules were flushed) each rule is checked and what is missing is added,
    /// never taking away one that running containers use. Per container (the bridge plugin's ipMasq and the firewall
    /// plugin) they were ~15 iptables runs, ~40 ms of each start and ~70 ms of each release. Call it under the network's lock.
    /// </summary>
    public static async Task EnsureBridgeRulesAsync(string bridge, string subnet, CancellationToken cancellationToken)
    {
        string[] masquerade = ["-t", "nat", "POSTROUTING", "-s", subnet, "!", "-o", bridge, "-m", "comment", "--comment", "kist masquerade", "-j", "MASQUERADE"];
        if (await HasRuleAsync(masquerade, cancellationToken)) return;
        string chain = ForwardChain(bridge);
        await IptablesAsync(["-w", "-N", chain], cancellationToken); // fails when it exists
        await EnsureRuleAsync([chain, "-o", bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED,DNAT", "-j", "ACCEPT"], cancellationToken);
        await EnsureRuleAsync([chain, "-i", bridge, "-j", "ACCEPT"], cancellationToken);
        string[] jump = ["FORWARD", "-m", "comment", "--comment", "kist bridge " + bridge, "-j", chain];
        if (!await HasRuleAsync(jump, cancellationToken)) await RequireAsync(["-w", "-I", "FORWARD", "1", .. jump[1..]], cancellationToken);
        await EnsureRuleAsync(masquerade, cancellationToken);
    }

    /// <summary>The filter chain that FORWARD jumps to for the bridge's traffic.</summary>
    private static string ForwardChain(string bridge) => "KIST-" + bridge;

    /// <summary>A rule given as for <c>-A</c> (an optional <c>-t TABLE</c>, the chain, the rule): whether it exists.</summary>
    private static async Task<bool> HasRuleAsync(string[] rule, CancellationToken cancellationToken)
    {
        int chain = rule[0] == "-t" ? 2 : 0;
        return (await IptablesAsync(["-w", .. rule[..chain], "-C", .. rule[chain..]], cancellationToken)).ExitCode == 0;
    }

    private static async Task EnsureRuleAsync(string[] rule, CancellationToken cancellationToken)
    {
        if (await HasRuleAsync(rule, cancellationToken)) return;
        int chain = rule[0] == "-t" ? 2 : 0;
        await RequireAsync(["-w", .. rule[..chain], "-A", .. rule[chain..]], cancellationToken);
    }

    private static async Task RequireAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var (exit, _, error) = await RunAsync(arguments, cancellationToken);
        if (exit != 0) throw new NetworkException($"iptables {string.Join(' ', arguments)}: {(exit < 0 ? "iptables not found" : error.Trim())}");
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
        var (exit, stdout, _) = await RunAsync(arguments, cancellationToken);
        return (exit, stdout);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("iptables") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        try
        {
            using var process = System.Diagnostics.Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            string stderr = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, await stdout, stderr);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, "", "");
        }
    }
}
