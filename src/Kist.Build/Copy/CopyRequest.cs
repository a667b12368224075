namespace Kist.Build.Copy;

/// <summary>One COPY or ADD instruction after variable expansion.</summary>
public sealed record CopyRequest
{
    public required CopySourceTree From { get; init; }
    /// <summary>As written, after variable expansion; URLs for ADD.</summary>
    public required IReadOnlyList<string> Sources { get; init; }
    /// <summary>As written, after expansion; a trailing '/' makes it a directory.</summary>
    public required string Destination { get; init; }
    /// <summary>Relative destinations resolve against it.</summary>
    public string WorkingDir { get; init; } = "/";
    /// <summary>"user[:group]" names or ids; names from the TARGET's /etc/passwd and /etc/group.</summary>
    public string? Chown { get; init; }
    /// <summary>Octal mode for every copied file and directory.</summary>
    public string? Chmod { get; init; }
    /// <summary>ADD: local tar archives are extracted, URLs downloaded.</summary>
    public bool IsAdd { get; init; }
    /// <summary>ADD --checksum=sha256:… for a URL source.</summary>
    public string? Checksum { get; init; }
    public bool Parents { get; init; }
    public IReadOnlyList<string> Excludes { get; init; } = [];
    public bool Link { get; init; }
    public bool KeepGitDir { get; init; }
}
