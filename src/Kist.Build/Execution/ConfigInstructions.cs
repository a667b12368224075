using Kist.Dockerfile.Instructions;
using Kist.Oci;

namespace Kist.Build.Execution;

/// <summary>
/// The instructions that change only the image config, applied as BuildKit's Dockerfile frontend applies them, each
/// with its empty-layer history entry.
/// </summary>
public static class ConfigInstructions
{
    public const string HistoryComment = "buildkit.dockerfile.v0";
    public static readonly IReadOnlyList<string> DefaultShell = ["/bin/sh", "-c"];

    /// <summary>The new state, or null when <paramref name="instruction"/> is not config-only (RUN, COPY, ADD, WORKDIR).</summary>
    public static ImageState? Apply(ImageState state, Instruction instruction, DateTimeOffset? created)
    {
        var c = state.Config;
        (ContainerConfig Config, string CreatedBy)? change = instruction switch
        {
            EnvInstruction env => (c with { Env = env.Variables.Aggregate(c.Env ?? [], (e, kv) => SetEnv(e, kv.Key, kv.Value)) },
                "ENV" + string.Concat(env.Variables.Select(kv => " " + kv.Key + "=" + kv.Value))),
            LabelInstruction label => (c with { Labels = Merge(c.Labels, label.Labels.Select(kv => (kv.Key, kv.Value))) },
                "LABEL" + string.Concat(label.Labels.Select(kv => " " + kv.Key + "=" + kv.Value))),
            CmdInstruction cmd => (c with { Cmd = Command(c, cmd.Command) }, "CMD " + GoFormat.QuoteList(Command(c, cmd.Command))),
            EntrypointInstruction ep => (c with { Entrypoint = Command(c, ep.Command), Cmd = state.CmdSet ? c.Cmd : null },
                "ENTRYPOINT " + GoFormat.QuoteList(Command(c, ep.Command))),
            UserInstruction user => (c with { User = user.User }, "USER " + user.User),
            ExposeInstruction expose => Expose(c, expose),
            VolumeInstruction volume => (c with { Volumes = MergeSet(c.Volumes, volume.Volumes) }, "VOLUME " + GoFormat.List(volume.Volumes)),
            StopSignalInstruction stop => (c with { StopSignal = stop.Signal }, "STOPSIGNAL " + stop.Signal),
            ShellInstruction shell => (c with { Shell = shell.Shell }, "SHELL " + GoFormat.List(shell.Shell)),
            OnbuildInstruction onbuild => (c with { OnBuild = [.. c.OnBuild ?? [], onbuild.Expression] }, "ONBUILD " + onbuild.Expression),
            HealthcheckInstruction health => Healthcheck(c, health),
            ArgInstruction arg => (c, "ARG " + string.Join(' ', arg.Args.Select(a => a.DefaultValue is null ? a.Name : a.Name + "=" + a.DefaultValue))),
            MaintainerInstruction m => (c, "MAINTAINER " + m.Maintainer),
            _ => null,
        };
        if (change is not { } ch) return null;
        var entry = new HistoryEntry { Created = created, CreatedBy = ch.CreatedBy, Comment = HistoryComment, EmptyLayer = true };
        // BuildKit records no history for ONBUILD (its triggers, run in a child, record what they run).
        var next = instruction is OnbuildInstruction ? state with { Config = ch.Config } : state.WithConfig(ch.Config, entry);
        if (instruction is CmdInstruction) next = next with { CmdSet = true };
        if (instruction is MaintainerInstruction maintainer) next = next with { Author = maintainer.Maintainer };
        return next;
    }

    /// <summary>The argv of CMD/ENTRYPOINT/RUN: exec form as written; shell form through the image's SHELL.</summary>
    public static IReadOnlyList<string> Command(ContainerConfig config, CommandLine command) =>
        command.PrependShell ? [.. config.Shell is { Count: > 0 } shell ? shell : DefaultShell, string.Join(' ', command.Arguments)] : command.Arguments;

    /// <summary>docker's addEnv: a variable keeps its place when set again.</summary>
    public static IReadOnlyList<string> SetEnv(IReadOnlyList<string> env, string key, string value)
    {
        var list = env.ToList();
        int i = list.FindIndex(e => e == key || e.StartsWith(key + "=", StringComparison.Ordinal));
        if (i >= 0) list[i] = key + "=" + value;
        else list.Add(key + "=" + value);
        return list;
    }

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string>? existing, IEnumerable<(string Key, string Value)> added)
    {
        var result = existing is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(existing, StringComparer.Ordinal);
        foreach (var (k, v) in added) result[k] = v;
        return result;
    }

    private static Dictionary<string, EmptyObject> MergeSet(IReadOnlyDictionary<string, EmptyObject>? existing, IEnumerable<string> added)
    {
        var result = existing is null ? new Dictionary<string, EmptyObject>(StringComparer.Ordinal) : new Dictionary<string, EmptyObject>(existing, StringComparer.Ordinal);
        foreach (var k in added) result[k] = EmptyObject.Instance;
        return result;
    }

    /// <summary>EXPOSE: ranges expand to one port each, as docker's nat.ParsePortSpecs does.</summary>
    private static (ContainerConfig, string) Expose(ContainerConfig c, ExposeInstruction expose)
    {
        var ports = new List<string>();
        foreach (var p in expose.ParsePorts())
            for (int port = p.Start; port <= p.End; port++) ports.Add($"{port}/{p.Protocol}");
        var sorted = ports.Distinct().Order(StringComparer.Ordinal);
        return (c with { ExposedPorts = MergeSet(c.ExposedPorts, ports) }, "EXPOSE map[" + string.Join(' ', sorted.Select(p => p + ":{}")) + "]");
    }

    private static (ContainerConfig, string) Healthcheck(ContainerConfig c, HealthcheckInstruction h)
    {
        static long? Ns(TimeSpan t) => t == TimeSpan.Zero ? null : t.Ticks * 100;
        var config = new HealthcheckConfig
        {
            Test = h.Test,
            Interval = Ns(h.Interval), Timeout = Ns(h.Timeout), StartPeriod = Ns(h.StartPeriod), StartInterval = Ns(h.StartInterval),
            Retries = h.Retries == 0 ? null : h.Retries,
        };
        string text = $"HEALTHCHECK &{{{GoFormat.QuoteList(h.Test)} {GoFormat.Quote(GoFormat.Duration(h.Interval))} {GoFormat.Quote(GoFormat.Duration(h.Timeout))} " +
                      $"{GoFormat.Quote(GoFormat.Duration(h.StartPeriod))} {GoFormat.Quote(GoFormat.Duration(h.StartInterval))} {GoFormat.QuoteRune(h.Retries)}}}";
        return (c with { Healthcheck = config }, text);
    }
}
