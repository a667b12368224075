using System.Runtime.InteropServices;
using Kist.Oci;
using Microsoft.Win32.SafeHandles;

namespace Kist.Runtime.Execution;

/// <summary>How a spawned process's stdio is given to it.</summary>
internal enum SpawnedStdio
{
    /// <summary>All three are this process's own (a terminal kist runs on).</summary>
    Inherit,
    /// <summary>stdin is this process's own; stdout and stderr are pipes to it.</summary>
    InheritInputPipeOutput,
    /// <summary>stdin is /dev/null; stdout and stderr are pipes to it.</summary>
    NullInputPipeOutput,
    /// <summary>All three are a terminal (a pty's slave).</summary>
    Terminal,
}

/// <summary>
/// A child started with posix_spawn(3) rather than <see cref="System.Diagnostics.Process"/>, for the runtime of a
/// container's monitor: Process's first start initializes .NET's signal handling and the terminal's settings (a thread
/// started and waited for) on its way to the fork, which delayed every container's start. Nobody else reaps this
/// child: <see cref="ProcessExit.PeekExitCode"/> reads its code while it is a zombie, <see cref="WaitForExit"/> or
/// <see cref="Dispose"/> reaps it.
/// </summary>
internal sealed unsafe partial class SpawnedProcess : IDisposable
{
    private const int POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;
    private const int O_RDONLY = 0, O_RDWR = 2, O_CLOEXEC = 0x80000;
    private const int SIGCHLD = 17;
    // glibc's posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 (x86_64 and arm64): room to spare.
    private const int OpaqueSize = 1024;

    private bool _reaped;

    private SpawnedProcess(int pid, SafeFileHandle? output, SafeFileHandle? error)
    {
        Id = pid;
        Output = output;
        Error = error;
    }

    public int Id { get; }

    /// <summary>The read end of the child's stdout when it is a pipe.</summary>
    public SafeFileHandle? Output { get; }

    /// <summary>The read end of the child's stderr when it is a pipe.</summary>
    public SafeFileHandle? Error { get; }

    /// <param name="argv">The program's path, then its arguments.</param>
    /// <param name="terminal">The terminal's path, for <see cref="SpawnedStdio.Terminal"/>.</param>
    public static SpawnedProcess Start(IReadOnlyList<string> argv, SpawnedStdio stdio, string? terminal = null)
    {
        bool pipes = stdio is SpawnedStdio.InheritInputPipeOutput or SpawnedStdio.NullInputPipeOutput;
        int[] output = [-1, -1], error = [-1, -1];
        byte* actions = (byte*)NativeMemory.AllocZeroed(OpaqueSize), attributes = (byte*)NativeMemory.AllocZeroed(OpaqueSize);
        byte* signals = (byte*)NativeMemory.AllocZeroed(OpaqueSize);
        var strings = new List<nint>();
        try
        {
            if (pipes && (Pipe2(output, O_CLOEXEC) != 0 || Pipe2(error, O_CLOEXEC) != 0)) throw Failure("pipe2");
            Check(PosixSpawnFileActionsInit(actions));
            Check(PosixSpawnattrInit(attributes));
            switch (stdio)
            {
                case SpawnedStdio.NullInputPipeOutput:
                    Check(PosixSpawnFileActionsAddopen(actions, 0, "/dev/null", O_RDONLY, 0));
                    break;
                case SpawnedStdio.Terminal:
                    Check(PosixSpawnFileActionsAddopen(actions, 0, terminal ?? throw new ArgumentNullException(nameof(terminal)), O_RDWR, 0));
                    Check(PosixSpawnFileActionsAdddup2(actions, 0, 1));
                    Check(PosixSpawnFileActionsAdddup2(actions, 0, 2));
                    break;
            }
            if (pipes)
            {
                Check(PosixSpawnFileActionsAdddup2(actions, output[1], 1));
                Check(PosixSpawnFileActionsAdddup2(actions, error[1], 2));
            }
            // The child starts with no signal blocked and every signal at its default: .NET ignores SIGPIPE, which
            // an exec would pass on, and handles others.
            Check(Sigemptyset(signals));
            Check(PosixSpawnattrSetsigmask(attributes, signals));
            Check(Sigfillset(signals));
            Check(PosixSpawnattrSetsigdefault(attributes, signals));
            Check(PosixSpawnattrSetflags(attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
            nint* args = StringArray(argv, strings);
            nint* environment = Environ();
            // A SIGCHLD inherited as ignored would have the kernel reap the child before its code is read.
            DefaultChildSignal();
            int pid;
            int rc = PosixSpawn(&pid, argv[0], actions, attributes, args, environment);
            if (rc != 0) throw new KistException($"cannot start {argv[0]}: {Marshal.GetPInvokeErrorMessage(rc)}");
            return new SpawnedProcess(pid, pipes ? new SafeFileHandle(output[0], ownsHandle: true) : null,
                pipes ? new SafeFileHandle(error[0], ownsHandle: true) : null);
        }
        catch
        {
            Close(output[0]);
            Close(error[0]);
            throw;
        }
        finally
        {
            Close(output[1]);
            Close(error[1]);
            PosixSpawnFileActionsDestroy(actions);
            PosixSpawnattrDestroy(attributes);
            NativeMemory.Free(actions);
            NativeMemory.Free(attributes);
            NativeMemory.Free(signals);
            foreach (var s in strings) Marshal.FreeCoTaskMem(s);
        }
    }

    /// <summary>Waits for the child to exit and reaps it: its exit code, 128 + the signal that killed it.</summary>
    public int WaitForExit() => Reap(block: true) ?? throw new KistException($"process {Id} was reaped elsewhere");

    /// <summary>Reaps the child if it has exited (it was waited for already; nothing waits here).</summary>
    public void Dispose()
    {
        Reap(block: false);
        Output?.Dispose();
        Error?.Dispose();
    }

    private int? Reap(bool block)
    {
        if (_reaped) return null;
        int? code = ProcessExit.Reap(Id, block);
        _reaped = code is not null;
        return code;
    }

    /// <summary>
    /// The process's own environment (libc's <c>environ</c>), as the child's. Kist never changes its environment, so
    /// it is .NET's view of it too (a variable set with Environment.SetEnvironmentVariable, which on Linux changes only
    /// .NET's copy, would not be passed on); building .NET's view into strings cost ~0.1 ms of every start.
    /// </summary>
    private static nint* Environ() => *(nint**)NativeLibrary.GetExport(NativeLibrary.GetMainProgramHandle(), "environ");

    private static nint* StringArray(IEnumerable<string> values, List<nint> strings)
    {
        var list = values.ToList();
        var array = (nint*)Marshal.AllocCoTaskMem((list.Count + 1) * sizeof(nint));
        strings.Add((nint)array);
        for (int i = 0; i < list.Count; i++)
        {
            array[i] = Marshal.StringToCoTaskMemUTF8(list[i]);
            strings.Add(array[i]);
        }
        array[list.Count] = 0;
        return array;
    }

    private static void DefaultChildSignal()
    {
        var action = stackalloc byte[256];
        if (Sigaction(SIGCHLD, null, action) == 0 && *(nint*)action == 1 /* SIG_IGN */)
        {
            new Span<byte>(action, 256).Clear();
            Sigaction(SIGCHLD, action, null);
        }
    }

    private static void Check(int rc)
    {
        if (rc != 0) throw new KistException($"posix_spawn: {Marshal.GetPInvokeErrorMessage(rc)}");
    }

    private static KistException Failure(string call) => new($"{call}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");

    private static void Close(int fd)
    {
        if (fd >= 0) Native.Sys.Close(fd);
    }

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(int[] fds, int flags);

    [LibraryImport("libc", EntryPoint = "posix_spawn", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int PosixSpawn(int* pid, string path, byte* actions, byte* attributes, nint* argv, nint* envp);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int PosixSpawnFileActionsInit(byte* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int PosixSpawnFileActionsDestroy(byte* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static partial int PosixSpawnFileActionsAdddup2(byte* actions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int PosixSpawnFileActionsAddopen(byte* actions, int fd, string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static partial int PosixSpawnattrInit(byte* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static partial int PosixSpawnattrDestroy(byte* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static partial int PosixSpawnattrSetflags(byte* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int PosixSpawnattrSetsigmask(byte* attributes, byte* mask);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    private static partial int PosixSpawnattrSetsigdefault(byte* attributes, byte* signals);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    private static partial int Sigemptyset(byte* set);

    [LibraryImport("libc", EntryPoint = "sigfillset")]
    private static partial int Sigfillset(byte* set);

    [LibraryImport("libc", EntryPoint = "sigaction")]
    private static partial int Sigaction(int signal, byte* action, byte* old);
}
