using Kist.Dockerfile.Evaluation;
using Kist.Dockerfile.Ignore;
using Kist.Dockerfile.Instructions;
using Kist.Dockerfile.Shell;
using Kist.Dockerfile.Syntax;

namespace Kist.Dockerfile.Linting;

/// <summary>What the linter may know beyond the Dockerfile.</summary>
public sealed record LintOptions
{
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    /// <summary>The context's ignore patterns (for CopyIgnoredFile), when there is an ignore file.</summary>
    public IgnoreMatcher? Ignore { get; init; }
    /// <summary>Overrides the file's <c># check=</c> directive (like the BUILDKIT_DOCKERFILE_CHECK build arg).</summary>
    public CheckConfig? Check { get; init; }
}

/// <summary>The outcome of checking a Dockerfile: findings, or the error that stopped parsing.</summary>
public sealed record LintReport(IReadOnlyList<LintFinding> Findings, DockerfileException? Error, CheckConfig Config)
{
    /// <summary>The process exit code <c>kist build --check</c> uses: 1 on a parse error or on findings with <c>error=true</c>.</summary>
    public int ExitCode => Error is not null || Findings.Any(f => f.Level == LintLevel.Error) ? 1 : 0;
}

/// <summary>Runs BuildKit's Dockerfile checks.</summary>
public static class Linter
{
    private static readonly HashSet<string> SecretDeny = new(StringComparer.OrdinalIgnoreCase) { "apikey", "auth", "credential", "credentials", "key", "password", "pword", "passwd", "secret", "token" };
    private static readonly HashSet<string> SecretAllow = new(StringComparer.OrdinalIgnoreCase) { "public", "file", "version" };

    /// <summary>Parses and checks Dockerfile text. Never throws for a bad Dockerfile: the error is in the report.</summary>
    public static LintReport Lint(string text, LintOptions? options = null)
    {
        options ??= new LintOptions();
        ParseResult syntax;
        try
        {
            syntax = DockerfileParser.Parse(text);
        }
        catch (DockerfileException e)
        {
            return new LintReport([], e, options.Check ?? CheckConfig.Default);
        }
        return Lint(syntax, options);
    }

    public static LintReport Lint(ParseResult syntax, LintOptions? options = null)
    {
        options ??= new LintOptions();
        CheckConfig config;
        try
        {
            config = options.Check ?? CheckConfig.Parse(syntax.Directives.Check?.Value);
        }
        catch (DockerfileException e)
        {
            var line = syntax.Directives.Check?.Line ?? 1;
            return new LintReport([], e.WithRange(SourceRange.Lines(line, line)), CheckConfig.Default);
        }
        var findings = new List<LintFinding>();
        void Add(LintRule rule, SourceRange range, string message)
        {
            if (config.IsSkipped(rule) || !config.IsEnabled(rule)) return;
            findings.Add(new LintFinding(rule, config.Error ? LintLevel.Error : LintLevel.Warning, range, message));
        }

        foreach (var w in syntax.Warnings)
        {
            if (w.Rule == LintRules.NoEmptyContinuation.Name) Add(LintRules.NoEmptyContinuation, w.Range, w.Message);
        }
        CheckCasing(syntax, Add);

        DockerfileDocument document;
        try
        {
            document = DockerfileDocument.FromSyntax(syntax);
        }
        catch (DockerfileException e)
        {
            return new LintReport(Sorted(findings), e, config);
        }

        try
        {
            CheckDocument(document, options, Add);
        }
        catch (DockerfileException e)
        {
            return new LintReport(Sorted(findings), e, config);
        }
        return new LintReport(Sorted(findings), null, config);
    }

    /// <summary>Go's %q.</summary>
    private static string Q(string s) => Node.Quote(s);

    private static List<LintFinding> Sorted(List<LintFinding> findings) =>
        findings.Select((f, i) => (f, i)).OrderBy(x => x.f.Range.Start.Line).ThenBy(x => x.i).Select(x => x.f).ToList();

    private static void CheckCasing(ParseResult syntax, Action<LintRule, SourceRange, string> add)
    {
        int lower = 0, upper = 0;
        foreach (var n in syntax.Children)
        {
            var v = n.Value;
            if (v == v.ToLowerInvariant() || v == v.ToUpperInvariant())
            {
                if (v == v.ToLowerInvariant()) lower++;
                else upper++;
            }
        }
        var majorityLower = lower > upper;
        foreach (var n in syntax.Children)
        {
            string? casing = null;
            if (majorityLower && n.Value.ToLowerInvariant() != n.Value) casing = "lowercase";
            else if (!majorityLower && n.Value.ToUpperInvariant() != n.Value) casing = "uppercase";
            if (casing is not null)
                add(LintRules.ConsistentInstructionCasing, n.Range, $"Command '{n.Value}' should match the case of the command majority ({casing})");
        }
    }

    private static void CheckDocument(DockerfileDocument document, LintOptions options, Action<LintRule, SourceRange, string> add)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var arg in document.GlobalArgs) CheckArg(arg, add);

        // InvalidDefaultArgInFrom: FROM evaluated with the defaults only.
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in PredefinedArgs.PlatformValues(PlatformSpec.LinuxAmd64, PlatformSpec.LinuxAmd64)) defaults[k] = v;
        var lexer = new ShellLexer(document.EscapeToken);
        foreach (var arg in document.GlobalArgs)
        {
            foreach (var d in arg.Args)
            {
                if (d.DefaultValue is null) continue;
                try { defaults[d.Name] = lexer.ProcessWord(d.DefaultValue, new VariableMap(defaults)); }
                catch (ExpansionException) { }
            }
        }

        var absoluteWorkdir = new Dictionary<string, bool>(StringComparer.Ordinal);
        var shellStages = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stage in document.Stages)
        {
            var from = stage.From;
            if (from.StageNameAsWritten is { } written)
            {
                if (written != written.ToLowerInvariant())
                    add(LintRules.StageNameCasing, from.Range, $"Stage name '{written}' should be lowercase");
                if (from.AsKeyword is { } asKw)
                {
                    var fromLower = from.Keyword == from.Keyword.ToLowerInvariant();
                    var fromUpper = from.Keyword == from.Keyword.ToUpperInvariant();
                    if ((fromLower && asKw != asKw.ToLowerInvariant()) || (fromUpper && asKw != asKw.ToUpperInvariant()))
                        add(LintRules.FromAsCasing, from.Range, $"'{asKw}' and '{from.Keyword}' keywords' casing do not match");
                }
                var name = stage.Name!;
                if (!names.Add(name))
                    add(LintRules.DuplicateStageName, from.Range, $"Duplicate stage name {Q(name)}, stage names should be unique");
                if (name is "scratch" or "context")
                    add(LintRules.ReservedStageName, from.Range, $"Stage name should not use the same name as reserved stage {Q(name)}");
            }
            if (from.Platform is { } platform)
            {
                if (platform is "$TARGETPLATFORM" or "${TARGETPLATFORM}")
                    add(LintRules.RedundantTargetPlatform, from.Range, $"Setting platform to predefined {platform} in FROM is redundant as this is the default behavior");
                else if (!platform.Contains('$'))
                {
                    // Not reported when the stage name says which platform it is for (build_amd64, linux-arm64, …).
                    var exempt = stage.Name is { } sn && platform.ToLowerInvariant().Split('/').Any(part => part.Length > 0 && sn.Contains(part, StringComparison.Ordinal));
                    if (!exempt)
                        add(LintRules.FromPlatformFlagConstDisallowed, from.Range, $"FROM --platform flag should not use constant value {Q(platform)}");
                }
            }
            // Every base name, evaluated with the global ARG defaults only, must be a valid image reference.
            string? resolved;
            try { resolved = lexer.ProcessWord(from.BaseName, new VariableMap(defaults)); }
            catch (ExpansionException) { resolved = ""; }
            if (resolved.Length == 0 || !ImageReferenceSyntax.IsValid(resolved))
                add(LintRules.InvalidDefaultArgInFrom, from.Range, $"Default value for ARG {from.BaseName} results in empty or invalid base image name");

            var hasAbsWorkdir = absoluteWorkdir.TryGetValue(from.BaseName.ToLowerInvariant(), out var inherited) && inherited;
            // An explicit SHELL (here or in the stage this one builds on) means shell-form CMD/ENTRYPOINT is intended.
            var shellSet = shellStages.Contains(from.BaseName.ToLowerInvariant());
            var counts = new Dictionary<string, List<Instruction>>(StringComparer.Ordinal);
            foreach (var instruction in stage.Instructions)
            {
                switch (instruction)
                {
                    case CmdInstruction or EntrypointInstruction or HealthcheckInstruction:
                        if (!counts.TryGetValue(instruction.Name, out var list)) counts[instruction.Name] = list = [];
                        list.Add(instruction);
                        break;
                }
                switch (instruction)
                {
                    case ShellInstruction:
                        shellSet = true;
                        break;
                    case CmdInstruction { Command.PrependShell: true } or EntrypointInstruction { Command.PrependShell: true } when !shellSet:
                        add(LintRules.JSONArgsRecommended, instruction.Range, $"JSON arguments recommended for {instruction.Name} to prevent unintended behavior related to OS signals");
                        break;
                    case MaintainerInstruction:
                        add(LintRules.MaintainerDeprecated, instruction.Range, "Maintainer instruction is deprecated in favor of using label");
                        break;
                    case EnvInstruction env:
                        foreach (var kv in env.Variables)
                        {
                            if (kv.Legacy) add(LintRules.LegacyKeyValueFormat, env.Range, "\"ENV key=value\" should be used instead of legacy \"ENV key value\" format");
                            if (IsSecretName(kv.Key)) add(LintRules.SecretsUsedInArgOrEnv, env.Range, $"Do not use ARG or ENV instructions for sensitive data (ENV {Q(kv.Key)})");
                        }
                        break;
                    case LabelInstruction label:
                        foreach (var kv in label.Labels)
                        {
                            if (kv.Legacy) add(LintRules.LegacyKeyValueFormat, label.Range, "\"LABEL key=value\" should be used instead of legacy \"LABEL key value\" format");
                        }
                        break;
                    case ArgInstruction arg:
                        CheckArg(arg, add);
                        break;
                    case WorkdirInstruction w:
                        var windowsAbs = w.Path.Length >= 3 && char.IsAsciiLetter(w.Path[0]) && w.Path[1] == ':' && w.Path[2] is '\\' or '/';
                        if (w.Path.StartsWith('/') || windowsAbs || w.Path.StartsWith('$')) hasAbsWorkdir = hasAbsWorkdir || !w.Path.StartsWith('$');
                        else if (!hasAbsWorkdir)
                            add(LintRules.WorkdirRelativePath, w.Range, $"Relative workdir {Q(w.Path)} can have unexpected results if the base image changes");
                        break;
                    case ExposeInstruction x:
                        foreach (var port in x.Ports)
                        {
                            if (port.Contains(':'))
                                add(LintRules.ExposeInvalidFormat, x.Range, $"EXPOSE instruction should not define an IP address or host-port mapping, found '{port}'");
                            var slash = port.IndexOf('/');
                            if (slash >= 0 && port[(slash + 1)..] != port[(slash + 1)..].ToLowerInvariant())
                                add(LintRules.ExposeProtoCasing, x.Range, $"Defined protocol '{port}' in EXPOSE instruction should be lowercase");
                        }
                        break;
                    case FileInstruction f when options.Ignore is not null && f is not CopyInstruction { From: not null }:
                        foreach (var src in f.Sources)
                        {
                            if (src.Contains("://", StringComparison.Ordinal) || src.StartsWith("git@", StringComparison.Ordinal) || src.Contains('$')) continue;
                            var clean = GoPath.Clean(src).TrimStart('/');
                            if (clean is "." or "") continue;
                            if (options.Ignore.IsExcluded(clean))
                                add(LintRules.CopyIgnoredFile, f.Range, $"Attempting to {(f is CopyInstruction ? "Copy" : "Add")} file {Q(src)} that is excluded by .dockerignore");
                        }
                        break;
                }
            }
            foreach (var (name, list) in counts)
            {
                for (var i = 0; i < list.Count - 1; i++)
                    add(LintRules.MultipleInstructionsDisallowed, list[i].Range, $"Multiple {name} instructions should not be used in the same stage because only the last one will be used");
            }
            if (stage.Name is not null)
            {
                absoluteWorkdir[stage.Name] = hasAbsWorkdir;
                if (shellSet) shellStages.Add(stage.Name);
            }
        }

        var evaluated = DockerfileEvaluator.Evaluate(document, new EvaluationOptions
        {
            BuildArgs = options.BuildArgs,
            TargetPlatform = PlatformSpec.LinuxAmd64,
            BuildPlatform = PlatformSpec.LinuxAmd64,
        });
        var seen = new HashSet<(string, int, bool)>();
        foreach (var u in evaluated.Undefined)
        {
            if (!seen.Add((u.Name, u.Instruction.Range.Start.Line, u.InFrom))) continue;
            var hint = u.Suggestion is null ? "" : u.InFrom ? $" (did you mean {u.Suggestion}?)" : $" (did you mean ${u.Suggestion}?)";
            if (u.InFrom) add(LintRules.UndefinedArgInFrom, u.Instruction.Range, $"FROM argument '{u.Name}' is not declared{hint}");
            else add(LintRules.UndefinedVar, u.Instruction.Range, $"Usage of undefined variable '${u.Name}'{hint}");
        }
    }

    private static void CheckArg(ArgInstruction arg, Action<LintRule, SourceRange, string> add)
    {
        foreach (var d in arg.Args)
        {
            if (IsSecretName(d.Name)) add(LintRules.SecretsUsedInArgOrEnv, arg.Range, $"Do not use ARG or ENV instructions for sensitive data (ARG {Q(d.Name)})");
        }
    }

    /// <summary>
    /// A variable name that looks like it holds a secret: one of its <c>_</c>-separated words is a secret word
    /// (<c>GITHUB_TOKEN</c>, <c>DB_PASSWORD</c>) and none is an allowed word (<c>PUBLIC_KEY</c>, <c>TOKEN_FILE</c>).
    /// </summary>
    public static bool IsSecretName(string name)
    {
        var tokens = name.Split('_', StringSplitOptions.RemoveEmptyEntries);
        var deny = false;
        foreach (var t in tokens)
        {
            if (SecretAllow.Contains(t)) return false;
            if (SecretDeny.Contains(t)) deny = true;
        }
        return deny;
    }
}

/// <summary>The grammar of an image reference (distribution/reference), checked without I/O.</summary>
public static class ImageReferenceSyntax
{
    private static readonly System.Text.RegularExpressions.Regex Reference = new(
        @"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?/)?" +
        @"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*" +
        @"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?\z",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public static bool IsValid(string reference) => reference.Length <= 4096 && Reference.IsMatch(reference);
}
