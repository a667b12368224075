using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Kist.Oci;

namespace Kist.Runtime.Native;

/// <summary>
/// A pseudo-terminal pair held by a detached monitor: the runtime gets the slave as its stdio (so that
/// <c>runc run</c> finds a terminal and gives the container its own pty), the monitor reads the master.
/// The pair is raw from the start: the container's own pty already turns "\n" into "\r\n", and runc makes its
/// terminal raw only after it has begun to copy the container's output, so a cooked pair would turn an early
/// "\r\n" into "\r\r\n".
/// </summary>
internal sealed partial class PseudoTerminal : IDisposable
{
    private const int O_NOCTTY = 0x100, TCSANOW = 0;
    private SafeFileHandle? _slave;

    private PseudoTerminal(SafeFileHandle master, string slavePath, SafeFileHandle slave)
    {
        Master = master;
        SlavePath = slavePath;
        _slave = slave;
    }

    public SafeFileHandle Master { get; }
    public string SlavePath { get; }

    public static PseudoTerminal Open()
    {
        int master = PosixOpenpt(Sys.O_RDWR | O_NOCTTY | Sys.O_CLOEXEC);
        if (master < 0) throw new KistException($"cannot open a pseudo-terminal: errno {Sys.Errno}");
        var masterHandle = new SafeFileHandle(master, ownsHandle: true);
        SafeFileHandle? slaveHandle = null;
        try
        {
            var name = new byte[128];
            if (Grantpt(master) != 0 || Unlockpt(master) != 0 || PtsnameR(master, name, name.Length) != 0)
                throw new KistException($"cannot set up a pseudo-terminal: errno {Sys.Errno}");
            string path = System.Text.Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
            // Held open until the runtime has exited: the master reads EIO once no slave is open, and the runtime
            // opens its own copy only after it starts.
            int slave = Sys.Open(path, Sys.O_RDWR | O_NOCTTY | Sys.O_CLOEXEC, 0);
            if (slave < 0) throw new KistException($"cannot open {path}: errno {Sys.Errno}");
            slaveHandle = new SafeFileHandle(slave, ownsHandle: true);
            if (!MakeRaw(slave)) throw new KistException($"cannot make {path} raw: errno {Sys.Errno}");
            return new PseudoTerminal(masterHandle, path, slaveHandle);
        }
        catch
        {
            // After the message has read errno: closing may change it.
            slaveHandle?.Dispose();
            masterHandle.Dispose();
            throw;
        }
    }

    /// <summary>Lets the master see the end of output once the runtime's copies are closed too.</summary>
    public void CloseSlave()
    {
        _slave?.Dispose();
        _slave = null;
    }

    public void Dispose()
    {
        CloseSlave();
        Master.Dispose();
    }

    private static unsafe bool MakeRaw(int fd)
    {
        // glibc's struct termios is 60 bytes on Linux; cfmakeraw and tcsetattr only touch what tcgetattr filled.
        byte* termios = stackalloc byte[64];
        if (Tcgetattr(fd, termios) != 0) return false;
        Cfmakeraw(termios);
        return Tcsetattr(fd, TCSANOW, termios) == 0;
    }

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static unsafe partial int Tcgetattr(int fd, byte* termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static unsafe partial void Cfmakeraw(byte* termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static unsafe partial int Tcsetattr(int fd, int optionalActions, byte* termios);

    [LibraryImport("libc", EntryPoint = "posix_openpt", SetLastError = true)]
    private static partial int PosixOpenpt(int flags);

    [LibraryImport("libc", EntryPoint = "grantpt", SetLastError = true)]
    private static partial int Grantpt(int fd);

    [LibraryImport("libc", EntryPoint = "unlockpt", SetLastError = true)]
    private static partial int Unlockpt(int fd);

    [LibraryImport("libc", EntryPoint = "ptsname_r", SetLastError = true)]
    private static partial int PtsnameR(int fd, [Out] byte[] buffer, nint length);
}
