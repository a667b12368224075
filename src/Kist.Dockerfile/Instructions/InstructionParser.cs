using System.Globalization;
using Kist.Dockerfile.Syntax;

namespace Kist.Dockerfile.Instructions;

/// <summary>Turns syntax nodes into typed instructions, validating flags and arguments as BuildKit does.</summary>
public static class InstructionParser
{
    /// <summary>Every instruction name Kist knows.</summary>
    public static readonly IReadOnlyList<string> InstructionNames =
        ["ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"];

    private enum FlagKind { Bool, String, Strings }

    private sealed class Flags(Node node)
    {
        private readonly Dictionary<string, FlagKind> _defined = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> _lists = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SourcePosition> _positions = new(StringComparer.Ordinal);

        public Flags Define(string name, FlagKind kind)
        {
            _defined[name] = kind;
            return this;
        }

        public void Parse()
        {
            var used = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < node.Flags.Count; i++)
            {
                var arg = node.Flags[i];
                var at = i < node.FlagPositions.Count ? node.FlagPositions[i] : new SourcePosition(node.StartLine, 0);
                var range = new SourceRange(at, new SourcePosition(at.Line, at.Column > 0 ? at.Column + arg.Length : 0));
                if (!arg.StartsWith("--", StringComparison.Ordinal)) throw new DockerfileException($"arg should start with -- : {arg}", range);
                if (arg == "--") return;
                var body = arg[2..];
                var eq = body.IndexOf('=');
                var name = eq >= 0 ? body[..eq] : body;
                var value = eq >= 0 ? body[(eq + 1)..] : "";
                if (!_defined.TryGetValue(name, out var kind))
                    throw new DockerfileException($"unknown flag: {name}" + Suggest.DidYouMean(name, _defined.Keys), range);
                if (!used.Add(name) && kind != FlagKind.Strings) throw new DockerfileException($"duplicate flag specified: {name}", range);
                _positions[name] = at;
                switch (kind)
                {
                    case FlagKind.Bool:
                        if (eq >= 0 && value.Length == 0) throw new DockerfileException($"missing a value on flag: {name}", range);
                        var lower = value.ToLowerInvariant();
                        _values[name] = lower switch
                        {
                            "" => "true",
                            "true" or "false" => lower,
                            _ => throw new DockerfileException($"expecting boolean value for flag {name}, not: {value}", range),
                        };
                        break;
                    case FlagKind.String:
                        if (eq < 0) throw new DockerfileException($"missing a value on flag: {name}", range);
                        _values[name] = value;
                        break;
                    default:
                        if (eq < 0) throw new DockerfileException($"missing a value on flag: {name}", range);
                        if (!_lists.TryGetValue(name, out var list)) _lists[name] = list = [];
                        list.Add(value);
                        break;
                }
            }
        }

        public string? String(string name) => _values.TryGetValue(name, out var v) ? v : null;
        public bool Bool(string name) => _values.TryGetValue(name, out var v) && v == "true";
        public bool? OptionalBool(string name) => _values.TryGetValue(name, out var v) ? v == "true" : null;
        public IReadOnlyList<string> Strings(string name) => _lists.TryGetValue(name, out var l) ? l : [];
        public SourcePosition? Position(string name) => _positions.TryGetValue(name, out var p) ? p : null;
    }

    /// <summary>Parses one instruction node. Errors carry the node's location.</summary>
    public static Instruction Parse(Node node)
    {
        try
        {
            return ParseCore(node);
        }
        catch (DockerfileException e)
        {
            throw e.WithRange(node.Range);
        }
    }

    private static DockerfileException AtLeastOne(string name) => new($"{name} requires at least one argument");
    private static DockerfileException ExactlyOne(string name) => new($"{name} requires exactly one argument");

    private static Instruction ParseCore(Node node)
    {
        var name = node.Value.ToUpperInvariant();
        var args = node.Arguments;
        var flags = new Flags(node);
        var keyword = node.Value;
        var range = node.Range;
        var original = node.Original;
        var comments = node.PrevComment;
        switch (name)
        {
            case "FROM":
            {
                flags.Define("platform", FlagKind.String).Parse();
                string? stage = null;
                string? asKeyword = null;
                if (args.Count == 3 && args[1].Equals("as", StringComparison.OrdinalIgnoreCase))
                {
                    stage = args[2].ToLowerInvariant();
                    asKeyword = args[1];
                    if (!IsValidStageName(stage))
                        throw new DockerfileException($"invalid name for build stage: \"{args[2]}\", name can't start with a number or contain symbols");
                }
                else if (args.Count != 1)
                {
                    throw new DockerfileException("FROM requires either one or three arguments");
                }
                return new FromInstruction(args[0], stage, flags.String("platform"))
                {
                    Keyword = keyword, Range = range, Original = original, Comments = comments,
                    StageNameAsWritten = stage is null ? null : args[2], AsKeyword = asKeyword,
                };
            }
            case "RUN":
            {
                flags.Define("mount", FlagKind.Strings).Define("network", FlagKind.String).Define("security", FlagKind.String).Parse();
                var network = flags.String("network");
                if (network is not null && network is not ("default" or "none" or "host"))
                    throw new DockerfileException($"unsupported network mode \"{network}\"");
                var security = flags.String("security");
                if (security is not null && security is not ("sandbox" or "insecure"))
                    throw new DockerfileException($"unsupported security mode \"{security}\"");
                var mounts = new List<RunMount>();
                foreach (var spec in flags.Strings("mount"))
                {
                    try
                    {
                        mounts.Add(RunMount.Parse(spec));
                    }
                    catch (DockerfileException e) when (e.Range is null)
                    {
                        var p = flags.Position("mount");
                        throw new DockerfileException(e.Message, p is { } pos ? SourceRange.At(pos.Line, pos.Column) : range);
                    }
                }
                return new RunInstruction(Command(node, args))
                {
                    Keyword = keyword, Range = range, Original = original, Comments = comments,
                    Mounts = mounts, Network = network, Security = security,
                    Files = node.Heredocs.Select(HeredocFile.From).ToArray(),
                };
            }
            case "CMD":
                flags.Parse();
                return new CmdInstruction(Command(node, args)) { Keyword = keyword, Range = range, Original = original, Comments = comments };
            case "ENTRYPOINT":
                flags.Parse();
                return new EntrypointInstruction(Command(node, args)) { Keyword = keyword, Range = range, Original = original, Comments = comments };
            case "SHELL":
                flags.Parse();
                if (args.Count == 0) throw AtLeastOne("SHELL");
                if (!node.IsJson) throw new DockerfileException("SHELL requires the arguments to be in JSON form");
                return new ShellInstruction(args) { Keyword = keyword, Range = range, Original = original, Comments = comments };
            case "ENV" or "LABEL":
            {
                flags.Parse();
                if (args.Count == 0) throw AtLeastOne(name);
                if (args.Count % 3 != 0) throw new DockerfileException($"Bad input to {name}, too many arguments");
                var pairs = new List<KeyValue>();
                for (var i = 0; i < args.Count; i += 3)
                {
                    if (args[i].Length == 0) throw new DockerfileException($"{name} names can not be blank");
                    pairs.Add(new KeyValue(args[i], args[i + 1], args[i + 2].Length == 0));
                }
                return name == "ENV"
                    ? new EnvInstruction(pairs) { Keyword = keyword, Range = range, Original = original, Comments = comments }
                    : new LabelInstruction(pairs) { Keyword = keyword, Range = range, Original = original, Comments = comments };
            }
            case "MAINTAINER":
                flags.Parse();
                if (args.Count != 1) throw ExactlyOne("MAINTAINER");
                return new MaintainerInstruction(args[0]) { Keyword = keyword, Range = range, Original = original, Comments = comments };
            case "EXPOSE":
                flags.Parse();
                if (args.Count == 0) throw AtLeastOne("EXPOSE");
                // BuildKit sorts the ports (ordinal) when it types the instruction.
                return new ExposeInstruction(args.Order(StringComparer.Ordinal).ToArray()) { Keyword = keyword, Range = range, Original = original, Comments = comments };
            case "ADD" or "COPY":
                return ParseFile(node, name, args, flags);
            case "VOLUME":
            {
                flags.Parse();
                if (args.Count == 0) throw AtLeastOne("VOLUME");
                var vols = new List<string>();
                foreach (var v in args)
                {
                    var t = v.Trim();
                    if (t.Length == 0) throw new DockerfileException("VOLUME specified can not be an empty string");
                    vols.Add(t);
                }
                return new VolumeInstruction(vols) { Keyword = keyword, Range = range, Original = original, Comments = comments };
            }
            case "USER":
                flags.Parse();
                if (args.Count != 1) throw ExactlyOne("USER");
                return new UserInstruction(args[0]) { Keyword = keyword, Range = range, Original = original, Comments = comments };
            case "WORKDIR":
                flags.Parse();
                if (args.Count != 1) throw ExactlyOne("WORKDIR");
                return new WorkdirInstruction(args[0]) { Keyword = keyword, Range = range, Original = original, Comments = comments };
            case "STOPSIGNAL":
                flags.Parse();
                if (args.Count != 1) throw ExactlyOne("STOPSIGNAL");
                return new StopSignalInstruction(args[0]) { Keyword = keyword, Range = range, Original = original, Comments = comments };
            case "ARG":
            {
                flags.Parse();
                if (args.Count == 0) throw AtLeastOne("ARG");
                var decls = args.Select(a =>
                {
                    var eq = a.IndexOf('=');
                    var decl = eq >= 0 ? new ArgDeclaration(a[..eq], a[(eq + 1)..]) : new ArgDeclaration(a, null);
                    if (decl.Name.Length == 0) throw new DockerfileException("ARG names can not be blank");
                    return decl;
                }).ToArray();
                return new ArgInstruction(decls) { Keyword = keyword, Range = range, Original = original, Comments = comments };
            }
            case "ONBUILD":
            {
                flags.Parse();
                var sub = node.Next?.Children.FirstOrDefault() ?? throw AtLeastOne("ONBUILD");
                var trigger = sub.Value.ToUpperInvariant();
                if (trigger == "ONBUILD") throw new DockerfileException("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
                if (trigger is "MAINTAINER" or "FROM") throw new DockerfileException($"{trigger} isn't allowed as an ONBUILD trigger");
                var expression = StripOnbuild(original);
                foreach (var h in node.Heredocs) expression += "\n" + h.Content + h.Name;
                Instruction? parsed = null;
                try
                {
                    var subNode = new Node
                    {
                        Value = sub.Value, Next = sub.Next, IsJson = sub.IsJson, Original = sub.Original, Flags = sub.Flags,
                        FlagPositions = sub.FlagPositions, StartLine = node.StartLine, EndLine = node.EndLine, StartColumn = node.StartColumn,
                    };
                    subNode.Heredocs = node.Heredocs;
                    parsed = ParseCore(subNode);
                }
                catch (DockerfileException)
                {
                    // BuildKit only evaluates the trigger when an image is built FROM this one.
                }
                return new OnbuildInstruction(expression, parsed) { Keyword = keyword, Range = range, Original = original, Comments = comments };
            }
            case "HEALTHCHECK":
                return ParseHealthcheck(node, args, flags);
            default:
                throw new DockerfileException($"unknown instruction: {node.Value}" + Suggest.DidYouMean(name, InstructionNames), SourceRange.At(node.StartLine, node.StartColumn));
        }
    }

    private static string StripOnbuild(string original)
    {
        var s = original.TrimStart();
        if (s.StartsWith("ONBUILD", StringComparison.OrdinalIgnoreCase)) s = s[7..];
        return s.TrimStart();
    }

    internal static bool IsValidStageName(string s)
    {
        if (s.Length == 0 || !char.IsAsciiLetterLower(s[0])) return false;
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.')) return false;
        }
        return true;
    }

    private static CommandLine Command(Node node, IReadOnlyList<string> args) =>
        node.IsJson ? new CommandLine(args, false) : new CommandLine([string.Join(' ', args)], true);

    private static Instruction ParseFile(Node node, string name, IReadOnlyList<string> args, Flags flags)
    {
        flags.Define("chown", FlagKind.String).Define("chmod", FlagKind.String).Define("link", FlagKind.Bool)
            .Define("parents", FlagKind.Bool).Define("exclude", FlagKind.Strings);
        if (name == "COPY") flags.Define("from", FlagKind.String);
        else flags.Define("checksum", FlagKind.String).Define("keep-git-dir", FlagKind.Bool).Define("unpack", FlagKind.Bool);
        flags.Parse();
        if (args.Count < 2)
            throw new DockerfileException($"{name} requires at least two arguments, but only {(args.Count == 0 ? "zero were" : "one was")} provided. Destination could not be determined.");
        var dest = args[^1];
        if (!node.IsJson && DockerfileParserHeredoc(dest)) throw new DockerfileException($"{name} cannot accept a heredoc as a destination");
        var sources = new List<string>();
        var contents = new List<HeredocFile>();
        var docIndex = 0;
        foreach (var src in args.Take(args.Count - 1))
        {
            if (!node.IsJson && DockerfileParserHeredoc(src) && docIndex < node.Heredocs.Count)
            {
                contents.Add(HeredocFile.From(node.Heredocs[docIndex++]));
            }
            else sources.Add(src);
        }
        var chmod = flags.String("chmod");
        if (chmod is not null && chmod.Length == 0) throw new DockerfileException("--chmod requires a value");
        if (name == "COPY")
        {
            return new CopyInstruction(sources, dest)
            {
                Keyword = node.Value, Range = node.Range, Original = node.Original, Comments = node.PrevComment,
                SourceContents = contents, Chown = flags.String("chown"), Chmod = chmod, Link = flags.Bool("link"),
                Parents = flags.Bool("parents"), Excludes = flags.Strings("exclude"), IsJson = node.IsJson, From = flags.String("from"),
            };
        }
        var checksum = flags.String("checksum");
        return new AddInstruction(sources, dest)
        {
            Keyword = node.Value, Range = node.Range, Original = node.Original, Comments = node.PrevComment,
            SourceContents = contents, Chown = flags.String("chown"), Chmod = chmod, Link = flags.Bool("link"),
            Parents = flags.Bool("parents"), Excludes = flags.Strings("exclude"), IsJson = node.IsJson,
            Checksum = checksum, KeepGitDir = flags.Bool("keep-git-dir"), Unpack = flags.OptionalBool("unpack"),
        };
    }

    private static bool DockerfileParserHeredoc(string word) => HeredocWord.Is(word);

    private static Instruction ParseHealthcheck(Node node, IReadOnlyList<string> args, Flags flags)
    {
        if (args.Count == 0) throw AtLeastOne("HEALTHCHECK");
        var typ = args[0].ToUpperInvariant();
        var rest = args.Skip(1).ToArray();
        if (typ == "NONE")
        {
            if (rest.Length != 0) throw new DockerfileException("HEALTHCHECK NONE takes no arguments");
            return new HealthcheckInstruction(["NONE"]) { Keyword = node.Value, Range = node.Range, Original = node.Original, Comments = node.PrevComment };
        }
        flags.Define("interval", FlagKind.String).Define("timeout", FlagKind.String).Define("start-period", FlagKind.String)
            .Define("start-interval", FlagKind.String).Define("retries", FlagKind.String).Parse();
        if (typ != "CMD") throw new DockerfileException($"Unknown type \"{typ}\" in HEALTHCHECK (try CMD)");
        var cmd = node.IsJson ? rest : [string.Join(' ', rest)];
        if (cmd.Length == 0 || (!node.IsJson && cmd[0].Length == 0)) throw new DockerfileException("Missing command after HEALTHCHECK CMD");
        string[] test = [node.IsJson ? "CMD" : "CMD-SHELL", .. cmd];
        var retries = 0;
        var r = flags.String("retries");
        if (!string.IsNullOrEmpty(r))
        {
            if (!long.TryParse(r, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || n > int.MaxValue || n < int.MinValue)
                throw new DockerfileException($"strconv.ParseInt: parsing \"{r}\": invalid syntax");
            if (n < 0) throw new DockerfileException($"--retries cannot be negative ({n})");
            retries = (int)n;
        }
        return new HealthcheckInstruction(test)
        {
            Keyword = node.Value, Range = node.Range, Original = node.Original, Comments = node.PrevComment,
            Interval = Interval(flags, "interval"), Timeout = Interval(flags, "timeout"), StartPeriod = Interval(flags, "start-period"),
            StartInterval = Interval(flags, "start-interval"), Retries = retries,
        };
    }

    private static TimeSpan Interval(Flags flags, string name)
    {
        var s = flags.String(name);
        if (string.IsNullOrEmpty(s)) return TimeSpan.Zero;
        if (!GoDuration.TryParse(s, out var d)) throw new DockerfileException($"time: invalid duration \"{s}\"");
        if (d == TimeSpan.Zero) return d;
        if (d < TimeSpan.FromMilliseconds(1)) throw new DockerfileException($"Interval \"{name}\" cannot be less than 1ms");
        return d;
    }
}

/// <summary>Recognises a heredoc word such as <c>&lt;&lt;EOF</c>, <c>&lt;&lt;-"EOF"</c> or <c>3&lt;&lt;EOF</c>.</summary>
internal static class HeredocWord
{
    public static bool Is(string word)
    {
        var i = 0;
        while (i < word.Length && char.IsAsciiDigit(word[i])) i++;
        if (!word.AsSpan(i).StartsWith("<<")) return false;
        i += 2;
        if (i < word.Length && word[i] == '-') i++;
        var rest = word.AsSpan(i);
        return rest.Length > 0 && !rest.Contains('<');
    }
}
