using Kist.Oci;
using Kist.Runtime.Execution;
using Kist.Runtime.Lifecycle;
using Kist.Runtime.Monitor;
using Kist.Runtime.Spec;
using Kist.Runtime.State;

namespace Kist.Runtime.Exec;

/// <summary>docker exec: another process in a running container, through the runtime's <c>exec</c>.</summary>
public sealed class ContainerExecutor(ContainerRuntime runtime)
{
    public async Task<RunOutcome> ExecAsync(ContainerRecord c, ExecRequest request, CancellationToken cancellationToken = default)
    {
        var state = await runtime.StateAsync(c, cancellationToken).ConfigureAwait(false);
        if (!state.Running) throw new ConflictException($"Container {c.Id} is not running");
        // The user is looked up in the container's own /etc/passwd and /etc/group (its rootfs is mounted while it runs).
        var user = UserResolver.Resolve(request.User ?? c.Config.User, runtime.Store.RootfsDirectory(c.Id));
        var process = ExecProcess.Build(c, request, user, Capabilities.CurrentBoundingMask());
        using var scratch = RuntimeScratch.Create(runtime.Store.Directory(c.Id));
        File.WriteAllBytes(scratch.File(ExecRunner.ProcessFileName), RuntimeSpecWriter.Process(process));
        return await ExecRunner.RunAsync(runtime.RuntimeFor(c), c.Id, scratch, request).ConfigureAwait(false);
    }
}
