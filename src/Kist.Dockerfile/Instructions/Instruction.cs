using Kist.Dockerfile.Syntax;

namespace Kist.Dockerfile.Instructions;

/// <summary>One typed Dockerfile instruction with its location.</summary>
public abstract record Instruction
{
    /// <summary>The instruction name as written (e.g. <c>run</c> or <c>RUN</c>).</summary>
    public required string Keyword { get; init; }
    /// <summary>The lines (and columns, when known) the instruction spans, heredoc bodies included.</summary>
    public required SourceRange Range { get; init; }
    /// <summary>The logical source line (continuations joined, comments removed).</summary>
    public required string Original { get; init; }
    /// <summary>The comment lines directly above the instruction.</summary>
    public IReadOnlyList<string> Comments { get; init; } = [];

    /// <summary>The upper-case instruction name: <c>RUN</c>, <c>COPY</c>, …</summary>
    public abstract string Name { get; }
}

/// <summary>A command line: exec form (JSON array, run as is) or shell form (one string run by the SHELL).</summary>
public sealed record CommandLine(IReadOnlyList<string> Arguments, bool PrependShell)
{
    public static readonly CommandLine Empty = new([], false);
    public bool IsExecForm => !PrependShell;
}

/// <summary>A file written inline with a heredoc (a RUN script or a COPY/ADD source).</summary>
public sealed record HeredocFile(string Name, string Content, bool Expand, bool Chomp)
{
    internal static HeredocFile From(Heredoc h) => new(h.Name, h.EffectiveContent, h.Expand, h.Chomp);
}

/// <summary>A <c>key=value</c> pair of ENV or LABEL; <see cref="Legacy"/> when written <c>KEY value</c>.</summary>
public sealed record KeyValue(string Key, string Value, bool Legacy);

/// <summary>A name declared by ARG, with its default value when given.</summary>
public sealed record ArgDeclaration(string Name, string? DefaultValue);

public sealed record FromInstruction(string BaseName, string? StageName, string? Platform) : Instruction
{
    public override string Name => "FROM";
    /// <summary>The stage name as written (before lower-casing), when present.</summary>
    public string? StageNameAsWritten { get; init; }
    /// <summary>The <c>AS</c> keyword as written, when present.</summary>
    public string? AsKeyword { get; init; }
}

public sealed record RunInstruction(CommandLine Command) : Instruction
{
    public override string Name => "RUN";
    public IReadOnlyList<RunMount> Mounts { get; init; } = [];
    /// <summary><c>default</c>, <c>none</c> or <c>host</c>; null when not given.</summary>
    public string? Network { get; init; }
    /// <summary><c>sandbox</c> or <c>insecure</c>; null when not given.</summary>
    public string? Security { get; init; }
    public IReadOnlyList<HeredocFile> Files { get; init; } = [];
}

public sealed record CmdInstruction(CommandLine Command) : Instruction
{
    public override string Name => "CMD";
}

public sealed record EntrypointInstruction(CommandLine Command) : Instruction
{
    public override string Name => "ENTRYPOINT";
}

public sealed record ShellInstruction(IReadOnlyList<string> Shell) : Instruction
{
    public override string Name => "SHELL";
}

public sealed record LabelInstruction(IReadOnlyList<KeyValue> Labels) : Instruction
{
    public override string Name => "LABEL";
}

public sealed record EnvInstruction(IReadOnlyList<KeyValue> Variables) : Instruction
{
    public override string Name => "ENV";
}

public sealed record MaintainerInstruction(string Maintainer) : Instruction
{
    public override string Name => "MAINTAINER";
}

public sealed record ExposeInstruction(IReadOnlyList<string> Ports) : Instruction
{
    public override string Name => "EXPOSE";

    /// <summary>The ports as typed values (call after evaluation, when variables are expanded).</summary>
    public IReadOnlyList<ExposedPort> ParsePorts()
    {
        try
        {
            return Ports.Select(ExposedPort.Parse).ToArray();
        }
        catch (DockerfileException e)
        {
            throw e.WithRange(Range);
        }
    }
}

/// <summary>The COPY and ADD instructions share sources, destination and most flags.</summary>
public abstract record FileInstruction(IReadOnlyList<string> Sources, string Destination) : Instruction
{
    /// <summary>Heredoc sources (<c>COPY &lt;&lt;EOF /dest</c>).</summary>
    public IReadOnlyList<HeredocFile> SourceContents { get; init; } = [];
    public string? Chown { get; init; }
    public string? Chmod { get; init; }
    public bool Link { get; init; }
    public bool Parents { get; init; }
    public IReadOnlyList<string> Excludes { get; init; } = [];
    /// <summary>The arguments were a JSON array.</summary>
    public bool IsJson { get; init; }
}

public sealed record CopyInstruction(IReadOnlyList<string> Sources, string Destination) : FileInstruction(Sources, Destination)
{
    public override string Name => "COPY";
    /// <summary>The stage, image or named context to copy from (<c>--from</c>).</summary>
    public string? From { get; init; }
}

public sealed record AddInstruction(IReadOnlyList<string> Sources, string Destination) : FileInstruction(Sources, Destination)
{
    public override string Name => "ADD";
    public string? Checksum { get; init; }
    public bool KeepGitDir { get; init; }
    /// <summary><c>--unpack</c>: null when not given (archives from the context are unpacked by default).</summary>
    public bool? Unpack { get; init; }
}

public sealed record VolumeInstruction(IReadOnlyList<string> Volumes) : Instruction
{
    public override string Name => "VOLUME";
}

public sealed record UserInstruction(string User) : Instruction
{
    public override string Name => "USER";
}

public sealed record WorkdirInstruction(string Path) : Instruction
{
    public override string Name => "WORKDIR";
}

public sealed record ArgInstruction(IReadOnlyList<ArgDeclaration> Args) : Instruction
{
    public override string Name => "ARG";
}

/// <summary>ONBUILD: <see cref="Expression"/> is the trigger's source; <see cref="Trigger"/> its parsed form when it parses.</summary>
public sealed record OnbuildInstruction(string Expression, Instruction? Trigger) : Instruction
{
    public override string Name => "ONBUILD";
}

public sealed record StopSignalInstruction(string Signal) : Instruction
{
    public override string Name => "STOPSIGNAL";
}

/// <summary>HEALTHCHECK: <see cref="Test"/> is <c>["NONE"]</c>, <c>["CMD", args…]</c> or <c>["CMD-SHELL", command]</c> as in the image config.</summary>
public sealed record HealthcheckInstruction(IReadOnlyList<string> Test) : Instruction
{
    public override string Name => "HEALTHCHECK";
    public TimeSpan Interval { get; init; }
    public TimeSpan Timeout { get; init; }
    public TimeSpan StartPeriod { get; init; }
    public TimeSpan StartInterval { get; init; }
    public int Retries { get; init; }
}

/// <summary>A build stage: a FROM and the instructions up to the next FROM.</summary>
public sealed record Stage(int Index, FromInstruction From, IReadOnlyList<Instruction> Instructions)
{
    /// <summary>The lower-case stage name (<c>AS name</c>), or null.</summary>
    public string? Name => From.StageName;
    public string BaseName => From.BaseName;
    public string? Platform => From.Platform;
    public SourceRange Range => new(From.Range.Start, Instructions.Count > 0 ? Instructions[^1].Range.End : From.Range.End);
}
