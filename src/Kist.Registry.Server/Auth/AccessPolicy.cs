namespace Kist.Registry.Server.Auth;

/// <summary>Per-user permissions from the config's access rules.</summary>
public sealed class AccessPolicy(IReadOnlyList<AccessRule> rules)
{
    public const string Pull = "pull";
    public const string Push = "push";
    public const string Delete = "delete";
    public const string Anonymous = "anonymous";
    private static readonly string[] All = [Pull, Push, Delete];

    /// <summary>The actions <paramref name="user"/> (null = anonymous) may do on <paramref name="repository"/>.</summary>
    public IReadOnlySet<string> ActionsFor(string? user, string repository)
    {
        var actions = new HashSet<string>(StringComparer.Ordinal);
        if (rules.Count == 0)
        {
            if (user is not null) actions.UnionWith(All);
            return actions;
        }
        foreach (var rule in rules)
        {
            bool userMatches = rule.User == Anonymous ? user is null : user is not null && (rule.User == "*" || rule.User == user);
            if (!userMatches || !rule.Repositories.Any(p => Matches(p, repository))) continue;
            foreach (var a in rule.Actions)
            {
                if (a == "*") actions.UnionWith(All);
                else actions.Add(a);
            }
        }
        return actions;
    }

    public bool Allows(string? user, string repository, string action) => ActionsFor(user, repository).Contains(action);

    private static bool Matches(string pattern, string repository) =>
        pattern == "*" || pattern == repository ||
        (pattern.EndsWith("/*", StringComparison.Ordinal) && repository.StartsWith(pattern[..^1], StringComparison.Ordinal));
}
