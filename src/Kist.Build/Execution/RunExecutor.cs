using System.Diagnostics;
using Kist.Build.Progress;
using Kist.Oci;
using Kist.Runtime.Execution;
using Kist.Runtime.Networking;
using Kist.Runtime.Spec;

namespace Kist.Build.Execution;

/// <summary>
/// Runs a RUN step's process with the OCI runtime over the step's mounted root filesystem: docker's default
/// capabilities, masked paths and /dev, the image's user and working directory, output streamed to the progress.
/// A non-zero exit is a <see cref="BuildStepException"/> carrying BuildKit's message and the output's tail.
/// </summary>
public static class RunExecutor
{
    private const int TailLines = 20;
    public const string Hostname = "buildkitsandbox";

    /// <summary>BuildKit's /etc/hosts for a step, in every network mode (the host's own file is not shown to steps).</summary>
    private const string SandboxHosts = "127.0.0.1\tlocalhost " + Hostname + "\n::1\tlocalhost ip6-localhost ip6-loopback\n";

    /// <param name="bundle">The bundle directory; its <c>rootfs</c> is the mounted root filesystem.</param>
    public static async Task RunAsync(BuildEnvironment env, string bundle, RunRequest request, IStepProgress progress, CancellationToken cancellationToken)
    {
        CgroupMoveWarmup.Start(); // runc moves the step's process into its cgroups
        string rootfs = Path.Combine(bundle, "rootfs");
        var user = UserResolver.Resolve(request.User, rootfs);
        bool hostNetwork = request.Network != "none";
        var mode = hostNetwork ? NetworkMode.Host : NetworkMode.None;
        File.WriteAllText(Path.Combine(bundle, "hosts"), SandboxHosts);
        File.WriteAllText(Path.Combine(bundle, "resolv.conf"), ResolvConf.Render(mode, ResolvConf.ReadHost()));
        var spec = Spec(bundle, request, user, hostNetwork);
        File.WriteAllBytes(Path.Combine(bundle, "config.json"), RuntimeSpecWriter.Spec(spec));

        var runtime = env.Runtime;
        string id = "kist-build-" + Path.GetFileName(bundle);
        var info = runtime.Run(id, bundle, pidFile: null, redirectStdin: true, redirectOutput: true);
        var tail = new Queue<string>();
        using var process = Process.Start(info) ?? throw new KistException($"cannot start {runtime.Binary}");
        process.StandardInput.Close();
        async Task Pump(StreamReader reader)
        {
            while (await reader.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                progress.Log(line);
                lock (tail)
                {
                    tail.Enqueue(line);
                    if (tail.Count > TailLines) tail.Dequeue();
                }
            }
        }
        var pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
        // On cancel the container is killed; retried, as runc may not have created it yet when the cancel comes.
        await using (cancellationToken.Register(() => _ = KillUntilExitedAsync(runtime, id, process)))
        {
            try
            {
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                await pumps.ConfigureAwait(false);
            }
            finally
            {
                if (runtime.Knows(id)) await runtime.DeleteAsync(id, force: true, CancellationToken.None).ConfigureAwait(false);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (process.ExitCode != 0)
        {
            string message = $"process {GoFormat.Quote(string.Join(' ', request.Args))} did not complete successfully: exit code: {process.ExitCode}";
            throw new BuildStepException(message, process.ExitCode, [.. tail]);
        }
    }

    private static async Task KillUntilExitedAsync(Runtime.Execution.OciRuntime runtime, string id, Process process)
    {
        try
        {
            while (!process.HasExited)
            {
                await runtime.KillAsync(id, 9, CancellationToken.None).ConfigureAwait(false);
                await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException) { } // the process is gone and disposed
    }

    private static RuntimeSpec Spec(string bundle, RunRequest request, ResolvedUser user, bool hostNetwork)
    {
        var caps = Capabilities.Resolve([], [], false, Capabilities.Available(Capabilities.CurrentBoundingMask()));
        var mounts = DockerDefaults.Mounts(privileged: false).ToList();
        foreach (var file in new[] { "hosts", "resolv.conf" })
            mounts.Add(new SpecMount { Destination = "/etc/" + file, Type = "bind", Source = Path.Combine(bundle, file), Options = ["rbind", "rprivate", "ro"] });
        mounts.AddRange(request.Mounts);
        var namespaces = new List<SpecNamespace> { new() { Type = "pid" }, new() { Type = "ipc" }, new() { Type = "uts" }, new() { Type = "mount" } };
        if (!hostNetwork) namespaces.Add(new SpecNamespace { Type = "network" });
        return new RuntimeSpec
        {
            Process = new SpecProcess
            {
                // BuildKit's RUN gets only the /etc/group memberships as supplementary groups (not docker run's primary gid).
                User = new SpecUser { Uid = user.Uid, Gid = user.Gid, AdditionalGids = user.AdditionalGids.Count > 1 ? user.AdditionalGids.Skip(1).ToArray() : null },
                Args = request.Args,
                Env = request.Env,
                Cwd = string.IsNullOrEmpty(request.WorkingDir) ? "/" : request.WorkingDir,
                Capabilities = new SpecCapabilities { Bounding = caps, Effective = caps, Permitted = caps },
            },
            Root = new SpecRoot { Path = "rootfs" },
            Hostname = Hostname,
            Mounts = mounts,
            Linux = new SpecLinux
            {
                Namespaces = namespaces,
                CgroupsPath = "/kist/build-" + Path.GetFileName(bundle),
                Resources = new SpecResources { Devices = DockerDefaults.DeviceRules(privileged: false) },
                // BuildKit's sandbox: docker's default seccomp filter for the capabilities the step has.
                Seccomp = Runtime.Spec.Seccomp.SecurityOptions.Seccomp([], privileged: false, caps),
                MaskedPaths = DockerDefaults.MaskedPaths,
                ReadonlyPaths = DockerDefaults.ReadonlyPaths,
            },
        };
    }
}
