using Kist.Runtime.Spec;
using Kist.Runtime.State;

namespace Kist.Runtime.Exec;

/// <summary>
/// The <c>process.json</c> of an exec, built as the container's own process is: the container's environment with
/// PATH/HOSTNAME/TERM as docker sets them for this exec, then the exec's variables; its user, working directory
/// and capabilities unless the exec overrides them.
/// </summary>
public static class ExecProcess
{
    public static SpecProcess Build(ContainerRecord c, ExecRequest request, ResolvedUser user, ulong boundingMask)
    {
        if (request.Cmd.Count == 0) throw new Kist.Oci.InvalidInputException("exec needs a command to run");
        var host = c.HostConfig;
        var caps = Capabilities.Resolve(host.CapAdd, host.CapDrop, host.Privileged || request.Privileged, Capabilities.Available(boundingMask));
        var env = ContainerEnvironment.ReplaceOrAppend(ContainerEnvironment.ForProcess(c.Config.Env, c.Config.Hostname, request.Tty).ToList(), request.Env);
        string cwd = request.WorkingDir is { Length: > 0 } w ? w : string.IsNullOrEmpty(c.Config.WorkingDir) ? "/" : c.Config.WorkingDir;
        return new SpecProcess
        {
            Terminal = request.Tty,
            User = new SpecUser { Uid = user.Uid, Gid = user.Gid, AdditionalGids = user.AdditionalGids.Count > 0 ? user.AdditionalGids : null },
            Args = request.Cmd,
            Env = env,
            Cwd = cwd,
            Capabilities = new SpecCapabilities { Bounding = caps, Effective = caps, Permitted = caps },
            NoNewPrivileges = Kist.Runtime.Spec.Seccomp.SecurityOptions.NoNewPrivileges(host.SecurityOpt),
        };
    }
}
