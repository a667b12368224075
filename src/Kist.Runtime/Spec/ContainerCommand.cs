using Kist.Oci;

namespace Kist.Runtime.Spec;

/// <summary>The command a container runs: the image's and the user's ENTRYPOINT and CMD combined as docker combines them.</summary>
public static class ContainerCommand
{
    /// <param name="userEntrypoint">null when <c>--entrypoint</c> was not given; empty for <c>--entrypoint ""</c>.</param>
    /// <param name="userCmd">The arguments after the image name (empty when none).</param>
    public static (IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Cmd) Merge(
        IReadOnlyList<string>? userEntrypoint, IReadOnlyList<string> userCmd, ContainerConfig? image)
    {
        IReadOnlyList<string> entrypoint = userEntrypoint ?? image?.Entrypoint ?? [];
        IReadOnlyList<string> cmd = userCmd;
        // Any --entrypoint, even `--entrypoint ""`, drops the image's CMD (docker then says "no command specified").
        if (cmd.Count == 0 && userEntrypoint is null) cmd = image?.Cmd ?? [];
        return (entrypoint, cmd);
    }

    /// <summary>docker's Path and Args: the first word and the rest; an empty command is docker's "no command specified".</summary>
    public static (string Path, IReadOnlyList<string> Args) PathAndArgs(IReadOnlyList<string> entrypoint, IReadOnlyList<string> cmd)
    {
        var all = entrypoint.Concat(cmd).ToList();
        if (all.Count == 0) throw new InvalidInputException("no command specified");
        return (all[0], all.Skip(1).ToList());
    }
}
