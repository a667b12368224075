using System.Runtime.InteropServices;

namespace Kist.Cli.Commands;

internal static partial class Terminal
{
    private const nuint TIOCGWINSZ = 0x5413;

    public static bool IsTerminal(int fd) => isatty(fd) == 1;

    /// <summary>The terminal's columns and rows on <paramref name="fd"/>; BuildKit's 80×10 when it has none (or reports 0).</summary>
    public static (int Width, int Height) Size(int fd)
    {
        if (ioctl(fd, TIOCGWINSZ, out var size) == 0 && size.Columns > 0 && size.Rows > 0) return (size.Columns, size.Rows);
        return (80, 10);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct WindowSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort XPixels;
        public ushort YPixels;
    }

    [LibraryImport("libc")]
    private static partial int isatty(int fd);

    [LibraryImport("libc")]
    private static partial int ioctl(int fd, nuint request, out WindowSize size);
}
