using Kist.Runtime.Native;

namespace Kist.Runtime.Tests.Native;

public sealed class PseudoTerminalTests
{
    [Fact]
    public async Task What_is_written_on_the_slave_reaches_the_master_unchanged()
    {
        using var pty = PseudoTerminal.Open();
        using (var slave = new FileStream(pty.SlavePath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1))
            await slave.WriteAsync("out\r\nerr\n"u8.ToArray());
        pty.CloseSlave();

        using var master = new FileStream(pty.Master, FileAccess.Read, 1);
        var read = new MemoryStream();
        var buffer = new byte[64];
        try
        {
            for (int n; (n = await master.ReadAsync(buffer)) > 0;) read.Write(buffer, 0, n);
        }
        catch (IOException)
        {
            // EIO: every slave is closed, the end of a pty's output.
        }

        Assert.Equal("out\r\nerr\n", System.Text.Encoding.ASCII.GetString(read.ToArray()));
    }
}
