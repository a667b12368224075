using System.Runtime.InteropServices;

namespace Kist.Cli.Commands;

internal static partial class Terminal
{
    public static bool IsTerminal(int fd) => isatty(fd) == 1;

    [LibraryImport("libc")]
    private static partial int isatty(int fd);
}
