namespace Kist.Dockerfile.Linting;

/// <summary>A lint rule, named as BuildKit names it.</summary>
public sealed record LintRule(string Name, string Description)
{
    /// <summary>Experimental rules run only when <c># check=experimental=NAME</c> (or <c>all</c>) enables them, as in BuildKit.</summary>
    public bool Experimental { get; init; }

    /// <summary>The rule's documentation page.</summary>
    public string Url => "https://docs.docker.com/go/dockerfile/rule/" + Kebab(Name) + "/";

    private static string Kebab(string name)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var prevLower = i > 0 && !char.IsUpper(name[i - 1]);
                var nextLower = i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (i > 0 && (prevLower || nextLower)) sb.Append('-');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}

/// <summary>The rules Kist checks (BuildKit's names and descriptions).</summary>
public static class LintRules
{
    public static readonly LintRule StageNameCasing = new("StageNameCasing", "Stage names should be lowercase");
    public static readonly LintRule FromAsCasing = new("FromAsCasing", "The 'as' keyword should match the case of the 'from' keyword");
    public static readonly LintRule NoEmptyContinuation = new("NoEmptyContinuation", "Empty continuation lines will become errors in a future release");
    public static readonly LintRule ConsistentInstructionCasing = new("ConsistentInstructionCasing", "All commands within the Dockerfile should use the same casing (either upper or lower)");
    public static readonly LintRule DuplicateStageName = new("DuplicateStageName", "Stage names should be unique");
    public static readonly LintRule ReservedStageName = new("ReservedStageName", "Reserved words should not be used as stage names");
    public static readonly LintRule JSONArgsRecommended = new("JSONArgsRecommended", "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals");
    public static readonly LintRule MaintainerDeprecated = new("MaintainerDeprecated", "The MAINTAINER instruction is deprecated, use a label instead to define an image author");
    public static readonly LintRule UndefinedArgInFrom = new("UndefinedArgInFrom", "FROM command must use declared ARGs");
    public static readonly LintRule WorkdirRelativePath = new("WorkdirRelativePath", "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes");
    public static readonly LintRule UndefinedVar = new("UndefinedVar", "Variables should be defined before their use");
    public static readonly LintRule MultipleInstructionsDisallowed = new("MultipleInstructionsDisallowed", "Multiple instructions of the same type should not be used in the same stage");
    public static readonly LintRule LegacyKeyValueFormat = new("LegacyKeyValueFormat", "Legacy key/value format with whitespace separator should not be used");
    public static readonly LintRule RedundantTargetPlatform = new("RedundantTargetPlatform", "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior");
    public static readonly LintRule SecretsUsedInArgOrEnv = new("SecretsUsedInArgOrEnv", "Sensitive data should not be used in the ARG or ENV commands");
    public static readonly LintRule InvalidDefaultArgInFrom = new("InvalidDefaultArgInFrom", "Default value for global ARG results in an empty or invalid base image name");
    public static readonly LintRule FromPlatformFlagConstDisallowed = new("FromPlatformFlagConstDisallowed", "FROM --platform flag should not use a constant value");
    public static readonly LintRule CopyIgnoredFile = new("CopyIgnoredFile", "Attempting to Copy file that is excluded by .dockerignore") { Experimental = true };
    public static readonly LintRule ExposeProtoCasing = new("ExposeProtoCasing", "Protocol in EXPOSE instruction should be lowercase");
    public static readonly LintRule ExposeInvalidFormat = new("ExposeInvalidFormat", "IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release");

    public static readonly IReadOnlyList<LintRule> All =
    [
        StageNameCasing, FromAsCasing, NoEmptyContinuation, ConsistentInstructionCasing, DuplicateStageName, ReservedStageName,
        JSONArgsRecommended, MaintainerDeprecated, UndefinedArgInFrom, WorkdirRelativePath, UndefinedVar, MultipleInstructionsDisallowed,
        LegacyKeyValueFormat, RedundantTargetPlatform, SecretsUsedInArgOrEnv, InvalidDefaultArgInFrom, FromPlatformFlagConstDisallowed,
        CopyIgnoredFile, ExposeProtoCasing, ExposeInvalidFormat,
    ];

    public static LintRule? Find(string name) => All.FirstOrDefault(r => r.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The <c># check=skip=…;error=…;experimental=…</c> directive.</summary>
public sealed record CheckConfig(IReadOnlySet<string> Skip, bool SkipAll, bool Error)
{
    public static readonly CheckConfig Default = new(new HashSet<string>(), false, false);

    /// <summary>Experimental rules turned on by name.</summary>
    public IReadOnlySet<string> Experimental { get; init; } = new HashSet<string>();
    /// <summary><c>experimental=all</c>.</summary>
    public bool ExperimentalAll { get; init; }

    public bool IsSkipped(LintRule rule) => SkipAll || Skip.Contains(rule.Name);

    public bool IsEnabled(LintRule rule) => !rule.Experimental || ExperimentalAll || Experimental.Contains(rule.Name);

    /// <summary>Parses the value of a check directive (BuildKit's syntax).</summary>
    public static CheckConfig Parse(string? value)
    {
        value = value?.Trim();
        if (string.IsNullOrEmpty(value)) return Default;
        var skip = new HashSet<string>(StringComparer.Ordinal);
        var experimental = new HashSet<string>(StringComparer.Ordinal);
        var skipAll = false;
        var experimentalAll = false;
        var error = false;
        foreach (var part in value.Split(';', 3))
        {
            var eq = part.IndexOf('=');
            if (eq < 0) throw new DockerfileException($"invalid check option \"{part}\"");
            var k = part[..eq].Trim();
            var v = part[(eq + 1)..].Trim();
            switch (k)
            {
                case "skip":
                    if (v == "all") skipAll = true;
                    else foreach (var r in v.Split(',')) skip.Add(r.Trim());
                    break;
                case "experimental":
                    if (v == "all") experimentalAll = true;
                    else foreach (var r in v.Split(',')) experimental.Add(r.Trim());
                    break;
                case "error":
                    error = v switch
                    {
                        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
                        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
                        _ => throw new DockerfileException($"failed to parse check option \"{part}\": invalid syntax"),
                    };
                    break;
                default:
                    throw new DockerfileException($"invalid check option \"{k}\"");
            }
        }
        return new CheckConfig(skip, skipAll, error) { Experimental = experimental, ExperimentalAll = experimentalAll };
    }
}

public enum LintLevel { Warning, Error }

/// <summary>One finding: rule, level, where, and what.</summary>
public sealed record LintFinding(LintRule Rule, LintLevel Level, SourceRange Range, string Message)
{
    public string RuleName => Rule.Name;
}
