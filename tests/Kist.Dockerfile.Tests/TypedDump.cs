using System.Globalization;
using System.Text;
using Kist.Dockerfile.Evaluation;
using Kist.Dockerfile.Instructions;
using Kist.Dockerfile.Linting;

namespace Kist.Dockerfile.Tests;

/// <summary>A canonical, human-readable text form of typed instructions, for golden files.</summary>
internal static class TypedDump
{
    public static string Q(string s) => Kist.Dockerfile.Syntax.Node.Quote(s);

    private static string L(IEnumerable<string> items) => "[" + string.Join(" ", items.Select(Q)) + "]";

    private static string Cmd(CommandLine c) => (c.PrependShell ? "shell" : "exec") + L(c.Arguments);

    private static string Dur(TimeSpan t) => t.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms";

    public static string Mount(RunMount m)
    {
        var parts = new List<string> { "type=" + RunMount.Name(m.Type) };
        if (m.Target is not null) parts.Add("target=" + Q(m.Target));
        if (m.Source is not null) parts.Add("source=" + Q(m.Source));
        if (m.From is not null) parts.Add("from=" + Q(m.From));
        if (m.Id is not null) parts.Add("id=" + Q(m.Id));
        if (m.Sharing is not null) parts.Add("sharing=" + m.Sharing.ToString()!.ToLowerInvariant());
        if (m.Mode is not null) parts.Add("mode=" + Convert.ToString(m.Mode.Value, 8));
        if (m.Uid is not null) parts.Add("uid=" + m.Uid.Value.ToString(CultureInfo.InvariantCulture));
        if (m.Gid is not null) parts.Add("gid=" + m.Gid.Value.ToString(CultureInfo.InvariantCulture));
        if (m.Required) parts.Add("required");
        parts.Add(m.ReadOnly ? "ro" : "rw");
        if (m.Size is not null) parts.Add("size=" + m.Size.Value.ToString(CultureInfo.InvariantCulture));
        if (m.Env is not null) parts.Add("env=" + Q(m.Env));
        if (m.NeedsExpansion) parts.Add("deferred");
        return "{" + string.Join(",", parts) + "}";
    }

    private static string Files(IEnumerable<HeredocFile> files) =>
        "[" + string.Join(" ", files.Select(f => $"{{{Q(f.Name)} expand={f.Expand.ToString().ToLowerInvariant()} chomp={f.Chomp.ToString().ToLowerInvariant()} {Q(f.Content)}}}")) + "]";

    public static string Instruction(Instruction i)
    {
        var sb = new StringBuilder();
        sb.Append(i.Range.Start.Line).Append(':').Append(i.Range.Start.Column).Append('-').Append(i.Range.End.Line).Append(' ');
        sb.Append(i.Name);
        if (i.Keyword != i.Name) sb.Append(" (").Append(i.Keyword).Append(')');
        sb.Append(' ');
        sb.Append(i switch
        {
            FromInstruction f => $"base={Q(f.BaseName)}" + (f.StageName is null ? "" : $" stage={Q(f.StageName)}") + (f.Platform is null ? "" : $" platform={Q(f.Platform)}"),
            RunInstruction r => Cmd(r.Command) + (r.Mounts.Count > 0 ? " mounts=[" + string.Join(" ", r.Mounts.Select(Mount)) + "]" : "")
                + (r.Network is null ? "" : " network=" + r.Network) + (r.Security is null ? "" : " security=" + r.Security)
                + (r.Files.Count > 0 ? " files=" + Files(r.Files) : ""),
            CmdInstruction c => Cmd(c.Command),
            EntrypointInstruction e => Cmd(e.Command),
            ShellInstruction s => L(s.Shell),
            EnvInstruction e => string.Join(" ", e.Variables.Select(kv => Q(kv.Key) + (kv.Legacy ? " " : "=") + Q(kv.Value))),
            LabelInstruction l => string.Join(" ", l.Labels.Select(kv => Q(kv.Key) + (kv.Legacy ? " " : "=") + Q(kv.Value))),
            MaintainerInstruction m => Q(m.Maintainer),
            ExposeInstruction x => L(x.Ports),
            CopyInstruction c => FileArgs(c) + (c.From is null ? "" : " from=" + Q(c.From)),
            AddInstruction a => FileArgs(a) + (a.Checksum is null ? "" : " checksum=" + Q(a.Checksum)) + (a.KeepGitDir ? " keep-git-dir" : "")
                + (a.Unpack is null ? "" : " unpack=" + a.Unpack.Value.ToString().ToLowerInvariant()),
            VolumeInstruction v => L(v.Volumes),
            UserInstruction u => Q(u.User),
            WorkdirInstruction w => Q(w.Path),
            ArgInstruction a => string.Join(" ", a.Args.Select(d => d.DefaultValue is null ? Q(d.Name) : Q(d.Name) + "=" + Q(d.DefaultValue))),
            OnbuildInstruction o => Q(o.Expression) + (o.Trigger is null ? " trigger=invalid" : " trigger=" + o.Trigger.Name),
            StopSignalInstruction s => Q(s.Signal),
            HealthcheckInstruction h => L(h.Test) + (h.Interval != TimeSpan.Zero ? " interval=" + Dur(h.Interval) : "") + (h.Timeout != TimeSpan.Zero ? " timeout=" + Dur(h.Timeout) : "")
                + (h.StartPeriod != TimeSpan.Zero ? " start-period=" + Dur(h.StartPeriod) : "") + (h.StartInterval != TimeSpan.Zero ? " start-interval=" + Dur(h.StartInterval) : "")
                + (h.Retries != 0 ? " retries=" + h.Retries.ToString(CultureInfo.InvariantCulture) : ""),
            _ => throw new InvalidOperationException(i.GetType().Name),
        });
        return sb.ToString();
    }

    private static string FileArgs(FileInstruction f) =>
        L(f.Sources) + " -> " + Q(f.Destination) + (f.IsJson ? " json" : "") + (f.SourceContents.Count > 0 ? " contents=" + Files(f.SourceContents) : "")
        + (f.Chown is null ? "" : " chown=" + Q(f.Chown)) + (f.Chmod is null ? "" : " chmod=" + Q(f.Chmod)) + (f.Link ? " link" : "")
        + (f.Parents ? " parents" : "") + (f.Excludes.Count > 0 ? " exclude=" + L(f.Excludes) : "");

    public static string Document(DockerfileDocument doc)
    {
        var sb = new StringBuilder();
        foreach (var d in doc.Directives.All) sb.Append("directive ").Append(d.Name).Append('=').Append(Q(d.Value)).Append(" line ").Append(d.Line).Append('\n');
        foreach (var a in doc.GlobalArgs) sb.Append("global ").Append(Instruction(a)).Append('\n');
        foreach (var s in doc.Stages)
        {
            sb.Append("stage ").Append(s.Index).Append(s.Name is null ? "" : " " + s.Name).Append(" lines ").Append(s.Range.Start.Line).Append('-').Append(s.Range.End.Line).Append('\n');
            sb.Append("  ").Append(Instruction(s.From)).Append('\n');
            foreach (var i in s.Instructions) sb.Append("  ").Append(Instruction(i)).Append('\n');
        }
        return sb.ToString();
    }

    public static string Evaluated(EvaluatedDockerfile ev)
    {
        var sb = new StringBuilder();
        foreach (var s in ev.Stages)
        {
            sb.Append("stage ").Append(s.Source.Index).Append(" base=").Append(Q(s.BaseName));
            if (s.BaseStage is not null) sb.Append(" (stage ").Append(s.BaseStage).Append(')');
            if (s.Platform is not null) sb.Append(" platform=").Append(s.Platform);
            sb.Append('\n');
            foreach (var i in s.Instructions) sb.Append("  ").Append(Instruction(i)).Append('\n');
            sb.Append("  env ").Append(string.Join(" ", s.Env.OrderBy(k => k.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + Q(kv.Value)))).Append('\n');
            if (s.Args.Count > 0) sb.Append("  args ").Append(string.Join(" ", s.Args.OrderBy(k => k.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + Q(kv.Value)))).Append('\n');
        }
        if (ev.UnusedBuildArgs.Count > 0) sb.Append("unused build args ").Append(string.Join(" ", ev.UnusedBuildArgs)).Append('\n');
        return sb.ToString();
    }

    public static string Lint(LintReport report)
    {
        var sb = new StringBuilder();
        foreach (var f in report.Findings) sb.Append("lint ").Append(f.Range.Start.Line).Append(' ').Append(f.Level.ToString().ToLowerInvariant()).Append(' ').Append(f.RuleName).Append(": ").Append(f.Message).Append('\n');
        if (report.Error is not null) sb.Append("lint error line ").Append(report.Error.Line).Append(": ").Append(report.Error.Message).Append('\n');
        return sb.ToString();
    }
}
