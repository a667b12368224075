using Kist.Runtime.Spec;

namespace Kist.Build.Execution;

/// <summary>One RUN process: argv, environment, user, working directory, network mode and extra mounts (RUN --mount).</summary>
public sealed record RunRequest(IReadOnlyList<string> Args, IReadOnlyList<string> Env, string? User, string WorkingDir, string Network)
{
    public IReadOnlyList<SpecMount> Mounts { get; init; } = [];
}
