using Kist.Dockerfile.Instructions;
using Kist.Dockerfile.Shell;

namespace Kist.Dockerfile.Evaluation;

/// <summary>What a build supplies to the Dockerfile: build args, platforms, and the environment of base images.</summary>
public sealed record EvaluationOptions
{
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    public PlatformSpec? TargetPlatform { get; init; }
    public PlatformSpec? BuildPlatform { get; init; }
    /// <summary>The config Env (<c>K=V</c>) of an external base image, when known; PATH is always defined.</summary>
    public Func<string, IReadOnlyList<string>?>? BaseImageEnv { get; init; }
}

/// <summary>A variable referenced but not defined, and where (the UndefinedVar and UndefinedArgInFrom findings).</summary>
public sealed record UndefinedVariable(string Name, Instruction Instruction, bool InFrom, string? Suggestion);

/// <summary>A stage after expansion: instructions carry expanded words; ARG values resolved.</summary>
public sealed record EvaluatedStage(Stage Source, string BaseName, PlatformSpec? Platform, IReadOnlyList<Instruction> Instructions, IReadOnlyDictionary<string, string> Env, IReadOnlyDictionary<string, string> Args)
{
    public string? Name => Source.Name;
    /// <summary>The index of the earlier stage this one is built on, when <see cref="BaseName"/> names a stage.</summary>
    public int? BaseStage { get; init; }
}

/// <summary>The result of evaluating a Dockerfile for one build.</summary>
public sealed record EvaluatedDockerfile(
    IReadOnlyList<EvaluatedStage> Stages,
    IReadOnlyDictionary<string, string> GlobalArgs,
    IReadOnlyList<UndefinedVariable> Undefined,
    IReadOnlyList<string> UnusedBuildArgs)
{
    /// <summary>Proxy build args given for the build: passed to every RUN without an ARG declaration, kept out of history.</summary>
    public IReadOnlyDictionary<string, string> ProxyArgs { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>
/// Applies BuildKit's expansion: global ARGs for FROM, then per stage ARG/ENV scoping, expanding exactly the
/// instructions BuildKit expands (ENV, LABEL, ADD, COPY, EXPOSE, USER, WORKDIR, VOLUME, STOPSIGNAL, ARG defaults,
/// RUN --mount values, COPY/ADD heredocs that were not quoted). RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK are left
/// to the shell.
/// </summary>
public static class DockerfileEvaluator
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private sealed class Scope : IVariableLookup
    {
        public readonly Dictionary<string, string> Values = new(StringComparer.Ordinal);
        public bool TryGetValue(string name, out string value) => Values.TryGetValue(name, out value!);
    }

    public static EvaluatedDockerfile Evaluate(DockerfileDocument document, EvaluationOptions? options = null)
    {
        options ??= new EvaluationOptions();
        var lexer = new ShellLexer(document.EscapeToken);
        var target = options.TargetPlatform ?? PlatformSpec.Host();
        var build = options.BuildPlatform ?? PlatformSpec.Host();
        var undefined = new List<UndefinedVariable>();
        var usedBuildArgs = new HashSet<string>(StringComparer.Ordinal);

        var global = new Scope();
        foreach (var (k, v) in PredefinedArgs.PlatformValues(target, build)) global.Values[k] = v;
        var declaredGlobal = new HashSet<string>(StringComparer.Ordinal);
        foreach (var arg in document.GlobalArgs)
        {
            foreach (var decl in arg.Args)
            {
                declaredGlobal.Add(decl.Name);
                string? value = null;
                if (options.BuildArgs.TryGetValue(decl.Name, out var bv))
                {
                    value = bv;
                    usedBuildArgs.Add(decl.Name);
                }
                else if (decl.DefaultValue is not null)
                {
                    value = Expand(lexer, decl.DefaultValue, global, arg).Result;
                }
                if (value is not null) global.Values[decl.Name] = value;
            }
        }

        var stages = new List<EvaluatedStage>();
        var byName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in document.Stages)
        {
            var from = stage.From;
            var baseResult = Expand(lexer, from.BaseName, global, from);
            foreach (var name in baseResult.Unmatched)
            {
                if (!declaredGlobal.Contains(name))
                    undefined.Add(new UndefinedVariable(name, from, true, SuggestName.Find(name, declaredGlobal.Concat(global.Values.Keys))));
            }
            var baseName = baseResult.Result;
            if (baseName.Length == 0) throw new DockerfileException($"base name ({from.BaseName}) should not be blank", from.Range);
            PlatformSpec? platform = null;
            if (from.Platform is not null)
            {
                var platformResult = Expand(lexer, from.Platform, global, from);
                foreach (var name in platformResult.Unmatched)
                {
                    if (!declaredGlobal.Contains(name))
                        undefined.Add(new UndefinedVariable(name, from, true, SuggestName.Find(name, declaredGlobal.Concat(global.Values.Keys))));
                }
                var p = platformResult.Result;
                try
                {
                    platform = PlatformSpec.Parse(p);
                }
                catch (DockerfileException e)
                {
                    throw new DockerfileException($"failed to parse platform {p}: {e.Message}", from.Range);
                }
            }

            var env = new Scope();
            int? baseStage = null;
            if (byName.TryGetValue(baseName, out var parentIndex))
            {
                baseStage = parentIndex;
                foreach (var (k, v) in stages[parentIndex].Env) env.Values[k] = v;
            }
            else if (!baseName.Equals("scratch", StringComparison.OrdinalIgnoreCase) && options.BaseImageEnv?.Invoke(baseName) is { } imageEnv)
            {
                foreach (var kv in imageEnv)
                {
                    var eq = kv.IndexOf('=');
                    if (eq > 0) env.Values[kv[..eq]] = kv[(eq + 1)..];
                }
            }
            var envOnly = new Dictionary<string, string>(env.Values, StringComparer.Ordinal);
            env.Values.TryAdd("PATH", DefaultPath);
            envOnly.TryAdd("PATH", DefaultPath);
            var args = new Dictionary<string, string>(StringComparer.Ordinal);
            var declaredArgs = new HashSet<string>(StringComparer.Ordinal);

            void Report(ExpansionResult r, Instruction instruction)
            {
                foreach (var name in r.Unmatched)
                {
                    if (declaredArgs.Contains(name)) continue;
                    undefined.Add(new UndefinedVariable(name, instruction, false, SuggestName.Find(name, env.Values.Keys)));
                }
            }

            string Word(string word, Instruction instruction)
            {
                var r = Expand(lexer, word, env, instruction);
                Report(r, instruction);
                return r.Result;
            }

            var expanded = new List<Instruction>();
            foreach (var instruction in stage.Instructions)
            {
                switch (instruction)
                {
                    case ArgInstruction a:
                    {
                        var decls = new List<ArgDeclaration>();
                        foreach (var d in a.Args)
                        {
                            declaredArgs.Add(d.Name);
                            string? value = null;
                            if (options.BuildArgs.TryGetValue(d.Name, out var bv))
                            {
                                value = bv;
                                usedBuildArgs.Add(d.Name);
                            }
                            else if (d.DefaultValue is not null) value = Word(d.DefaultValue, a);
                            else if (global.Values.TryGetValue(d.Name, out var gv)) value = gv;
                            if (value is not null)
                            {
                                args[d.Name] = value;
                                env.Values[d.Name] = value;
                            }
                            decls.Add(new ArgDeclaration(d.Name, value));
                        }
                        expanded.Add(a with { Args = decls });
                        break;
                    }
                    case EnvInstruction e:
                    {
                        var pairs = e.Variables.Select(kv => new KeyValue(Word(kv.Key, e), Word(kv.Value, e), kv.Legacy)).ToArray();
                        foreach (var kv in pairs)
                        {
                            env.Values[kv.Key] = kv.Value;
                            envOnly[kv.Key] = kv.Value;
                        }
                        expanded.Add(e with { Variables = pairs });
                        break;
                    }
                    case LabelInstruction l:
                        expanded.Add(l with { Labels = l.Labels.Select(kv => new KeyValue(Word(kv.Key, l), Word(kv.Value, l), kv.Legacy)).ToArray() });
                        break;
                    case CopyInstruction c:
                        expanded.Add(c with
                        {
                            Sources = c.Sources.Select(s => Word(s, c)).ToArray(),
                            Destination = Word(c.Destination, c),
                            Chown = c.Chown is null ? null : Word(c.Chown, c),
                            Chmod = c.Chmod is null ? null : Word(c.Chmod, c),
                            From = c.From is null ? null : Word(c.From, c),
                            Excludes = c.Excludes.Select(x => Word(x, c)).ToArray(),
                            SourceContents = ExpandHeredocs(c.SourceContents, env, document.EscapeToken),
                        });
                        break;
                    case AddInstruction ad:
                        expanded.Add(ad with
                        {
                            Sources = ad.Sources.Select(s => Word(s, ad)).ToArray(),
                            Destination = Word(ad.Destination, ad),
                            Chown = ad.Chown is null ? null : Word(ad.Chown, ad),
                            Chmod = ad.Chmod is null ? null : Word(ad.Chmod, ad),
                            Checksum = ad.Checksum is null ? null : Word(ad.Checksum, ad),
                            Excludes = ad.Excludes.Select(x => Word(x, ad)).ToArray(),
                            SourceContents = ExpandHeredocs(ad.SourceContents, env, document.EscapeToken),
                        });
                        break;
                    case ExposeInstruction x:
                    {
                        var ports = new List<string>();
                        foreach (var p in x.Ports)
                        {
                            var r = Expand(lexer, p, env, x);
                            Report(r, x);
                            ports.AddRange(r.Words);
                        }
                        expanded.Add(x with { Ports = ports });
                        break;
                    }
                    case UserInstruction u:
                        expanded.Add(u with { User = Word(u.User, u) });
                        break;
                    case WorkdirInstruction w:
                        expanded.Add(w with { Path = Word(w.Path, w) });
                        break;
                    case VolumeInstruction v:
                        expanded.Add(v with { Volumes = v.Volumes.Select(s => Word(s, v)).ToArray() });
                        break;
                    case StopSignalInstruction s:
                        expanded.Add(s with { Signal = Word(s.Signal, s) });
                        break;
                    case RunInstruction run when run.Mounts.Count > 0:
                    {
                        var mounts = new List<RunMount>();
                        foreach (var m in run.Mounts)
                        {
                            try
                            {
                                mounts.Add(RunMount.Parse(m.Spec, w => Word(w, run)));
                            }
                            catch (DockerfileException ex) when (ex.Range is null)
                            {
                                throw new DockerfileException(ex.Message, run.Range);
                            }
                        }
                        expanded.Add(run with { Mounts = mounts });
                        break;
                    }
                    default:
                        expanded.Add(instruction);
                        break;
                }
            }
            var ev = new EvaluatedStage(stage, baseName, platform, expanded, envOnly, args) { BaseStage = baseStage };
            stages.Add(ev);
            if (stage.Name is not null) byName[stage.Name] = stage.Index;
        }
        var unused = options.BuildArgs.Keys.Where(k => !usedBuildArgs.Contains(k) && !PredefinedArgs.Proxy.Contains(k)).Order(StringComparer.Ordinal).ToArray();
        var proxies = options.BuildArgs.Where(kv => PredefinedArgs.Proxy.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return new EvaluatedDockerfile(stages, global.Values, undefined, unused) { ProxyArgs = proxies };
    }

    private static IReadOnlyList<HeredocFile> ExpandHeredocs(IReadOnlyList<HeredocFile> files, IVariableLookup env, char escape)
    {
        if (files.Count == 0) return files;
        var lexer = new ShellLexer(escape) { SkipProcessQuotes = true };
        return files.Select(f => f.Expand ? f with { Content = lexer.ProcessWord(f.Content, env) } : f).ToArray();
    }

    private static ExpansionResult Expand(ShellLexer lexer, string word, IVariableLookup env, Instruction at)
    {
        try
        {
            return lexer.ProcessWordWithMatches(word, env);
        }
        catch (ExpansionException e)
        {
            throw new ExpansionException(e.Message, at.Range);
        }
    }
}
