using System.Runtime.InteropServices;

namespace Kist.Oci;

/// <summary>
/// Random lowercase hex for IDs and unique names (container IDs, temporary keys), from the kernel's CSPRNG
/// (getrandom(2)) as docker takes them from crypto/rand. Not <c>RandomNumberGenerator</c>: on Linux that loads and
/// initialises OpenSSL, ~3 ms of every <c>kist run</c> that otherwise needs no OpenSSL at all.
/// </summary>
public static partial class RandomHex
{
    public static string Create(int bytes)
    {
        Span<byte> buffer = stackalloc byte[bytes];
        Fill(buffer);
        return Convert.ToHexStringLower(buffer);
    }

    private static unsafe void Fill(Span<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                nint n = GetRandom(start + done, (nuint)(buffer.Length - done), 0);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == 4) continue; // EINTR
                    throw new InvalidOperationException($"getrandom failed: errno {errno}");
                }
                done += (int)n;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "getrandom", SetLastError = true)]
    private static unsafe partial nint GetRandom(byte* buffer, nuint length, uint flags);
}
