using Kist.Layers.Native;
using Kist.Runtime.Bundle;

namespace Kist.Runtime.Tests.Bundle;

/// <summary>
/// config.json as a FIFO between kist and a runtime started before the spec was ready: each way a runtime may read
/// it (opened before or after the spec came, read to its length or to the end, a spec larger than the FIFO's buffer),
/// and what happens when kist fails or dies first. The "runtime" is a thread reading the path as runc or crun would.
/// </summary>
public sealed class ConfigFifoTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly string _bundle = Directory.CreateTempSubdirectory("kist-config-fifo-").FullName;
    private readonly Task _never = new TaskCompletionSource().Task;

    private string ConfigPath => Path.Combine(_bundle, "config.json");

    public void Dispose() => Directory.Delete(_bundle, recursive: true);

    [Fact]
    public async Task A_runtime_that_opened_the_fifo_before_the_spec_came_reads_the_spec_from_it()
    {
        byte[] spec = Spec(5_000);
        using var fifo = ConfigFifo.Create(_bundle);
        Assert.True(IsFifo(ConfigPath));
        using var stream = new FileStream(ConfigPath, FileMode.Open, FileAccess.Read); // does not wait: kist holds a writer
        var reading = Task.Run(() => ReadExactly(stream, spec.Length));

        await fifo.SendAsync(spec, _never);

        Assert.Equal(spec, await reading.WaitAsync(Patience));
        Assert.False(IsFifo(ConfigPath)); // a regular file with the same bytes took the FIFO's place
        Assert.Equal(spec, File.ReadAllBytes(ConfigPath));
    }

    [Fact]
    public async Task A_runtime_that_opens_config_json_after_the_spec_was_sent_reads_the_regular_file()
    {
        byte[] spec = Spec(3_000);
        using var fifo = ConfigFifo.Create(_bundle);
        await fifo.SendAsync(spec, _never);
        Assert.Equal(spec, await File.ReadAllBytesAsync(ConfigPath).WaitAsync(Patience));
    }

    [Fact]
    public async Task A_runtime_that_reads_to_the_end_as_crun_does_gets_the_end_once_it_has_read_everything()
    {
        byte[] spec = Spec(5_000);
        using var fifo = ConfigFifo.Create(_bundle);
        using var stream = new FileStream(ConfigPath, FileMode.Open, FileAccess.Read);
        var reading = Task.Run(() =>
        {
            var all = new MemoryStream();
            stream.CopyTo(all);
            return all.ToArray();
        });
        await fifo.SendAsync(spec, _never);

        fifo.CloseIfRead(); // as the monitor's polling does, until the reader has it all
        var deadline = DateTime.UtcNow + Patience;
        while (!reading.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
            fifo.CloseIfRead();
        }
        Assert.Equal(spec, await reading.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_spec_larger_than_the_fifo_buffer_is_written_as_the_runtime_reads_it()
    {
        byte[] spec = Spec(300_000);
        using var fifo = ConfigFifo.Create(_bundle);
        using var stream = new FileStream(ConfigPath, FileMode.Open, FileAccess.Read);
        var reading = Task.Run(() => ReadExactly(stream, spec.Length));

        await fifo.SendAsync(spec, _never).WaitAsync(Patience);

        Assert.Equal(spec, await reading.WaitAsync(Patience));
        Assert.Equal(spec, File.ReadAllBytes(ConfigPath));
    }

    [Fact]
    public async Task Sending_a_spec_nobody_reads_ends_when_the_runtime_exits()
    {
        byte[] spec = Spec(300_000);
        var exited = new TaskCompletionSource();
        using var fifo = ConfigFifo.Create(_bundle);
        var sending = fifo.SendAsync(spec, exited.Task);
        await Task.Delay(50);
        Assert.False(sending.IsCompleted); // the FIFO is full: it waits for a reader

        exited.SetResult();

        await sending.WaitAsync(Patience);
        Assert.Equal(spec, File.ReadAllBytes(ConfigPath));
    }

    [Fact]
    public void A_fifo_whose_spec_never_came_is_removed_when_disposed()
    {
        File.WriteAllText(ConfigPath, "{\"left\":\"by an earlier start\"}");
        using (ConfigFifo.Create(_bundle)) Assert.True(IsFifo(ConfigPath));
        Assert.False(File.Exists(ConfigPath));
    }

    [Fact]
    public async Task Release_wakes_a_runtime_whose_kist_died_before_it_opened_the_fifo_and_removes_the_fifo()
    {
        Assert.Equal(0, Libc.MknodAt(Libc.AT_FDCWD, ConfigPath, Libc.S_IFIFO | 0x180, 0)); // a dead kist's FIFO: no writer
        var reading = Task.Factory.StartNew(() => File.ReadAllBytes(ConfigPath), TaskCreationOptions.LongRunning);
        await Task.Delay(200);
        Assert.False(reading.IsCompleted); // the open waits for a writer that will never come

        ConfigFifo.Release(_bundle);

        Assert.Empty(await reading.WaitAsync(Patience)); // an empty config: runc fails on it and exits
        Assert.False(File.Exists(ConfigPath));
    }

    [Fact]
    public void Release_leaves_a_regular_config_json_alone()
    {
        File.WriteAllText(ConfigPath, "{}");
        ConfigFifo.Release(_bundle);
        Assert.Equal("{}", File.ReadAllText(ConfigPath));
    }

    private static byte[] Spec(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    private static byte[] ReadExactly(Stream stream, int length)
    {
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static bool IsFifo(string path) => FileStat.TryLstat(Libc.AT_FDCWD, path) is { Type: Libc.S_IFIFO };
}
