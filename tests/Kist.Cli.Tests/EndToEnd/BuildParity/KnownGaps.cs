using System.Text.RegularExpressions;

namespace Kist.Cli.Tests.EndToEnd.BuildParity;

/// <summary>A difference the suite knows about: where it applies (a case, or every case), what it looks like, and why.</summary>
public sealed record KnownGap(string? Case, Regex Pattern, string Reason)
{
    public bool Covers(string caseName, string difference) => (Case is null || Case == caseName) && Pattern.IsMatch(difference);
}

/// <summary>
/// The differences between kist and the local BuildKit that are known and tracked, each with its reason and owner.
/// A case passes when every difference it shows is covered here, so fixing one never breaks the suite, while any new
/// difference fails it. Remove an entry once kist matches. Two kinds: kist gaps (to fix), and places where BuildKit
/// 0.8 (docker 20.10's builder, the one on this machine) records what newer BuildKit no longer does.
/// </summary>
public static class KnownGaps
{
    public static readonly IReadOnlyList<KnownGap> Files =
    [
        new("run-mounts", new("^/(base-etc|cache|ctx|d|run|run/secrets|scratch): only in docker \\(dir 0755 0:0\\)$"),
            "BuildKit 0.8 leaves the directories it made as RUN --mount targets in the layer; newer BuildKit removes these stubs, and so does kist"),
    ];

    public static readonly IReadOnlyList<KnownGap> History =
    [
        new(null, new("^history\\[\\d+\\]: docker (COPY|ADD) .* \\| kist (COPY|ADD) (--(chown|chmod)=\\S+ )+"),
            "kist gap (build-core, history): created_by of COPY/ADD keeps --chown/--chmod; BuildKit writes the sources and destination only"),
        new(null, new("^history\\[\\d+\\]: docker \\(empty\\) HEALTHCHECK .* \\| kist \\(empty\\) HEALTHCHECK &\\{\\[.*\\] \"[^\"]*\" \"[^\"]*\" \"[^\"]*\" \"[^\"]*\" '"),
            "BuildKit 0.8: its HealthConfig has no StartInterval, so its %v prints four durations; kist prints the five of current BuildKit"),
        new(null, new("^history\\[\\d+\\]: docker WORKDIR (\\S+) \\| kist \\(empty\\) WORKDIR \\1$"),
            "WORKDIR of a directory that exists: BuildKit 0.8 commits an empty layer for it, kist records an empty_layer entry"),
    ];

    /// <summary>The differences no known gap covers.</summary>
    public static IReadOnlyList<string> Unexpected(string caseName, IEnumerable<string> differences, IReadOnlyList<KnownGap> gaps) =>
        differences.Where(d => !gaps.Any(g => g.Covers(caseName, d))).ToList();
}
