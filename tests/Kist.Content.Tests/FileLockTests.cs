using System.Diagnostics;

namespace Kist.Content.Tests;

public sealed class FileLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kist-lock-test-").FullName;

    private string LockPath => Path.Combine(_dir, "test.lock");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Exclusive_excludes_TryExclusive_until_released()
    {
        var first = FileLock.Exclusive(LockPath);
        Assert.Null(FileLock.TryExclusive(LockPath));
        first.Dispose();
        first.Dispose(); // idempotent
        using var second = FileLock.TryExclusive(LockPath);
        Assert.NotNull(second);
    }

    [Fact]
    public void Shared_locks_coexist_and_exclude_an_exclusive()
    {
        using (var a = FileLock.Shared(LockPath))
        using (var b = FileLock.Shared(LockPath))
        {
            Assert.Null(FileLock.TryExclusive(LockPath));
        }
        using var c = FileLock.TryExclusive(LockPath);
        Assert.NotNull(c);
    }

    [Fact]
    public async Task Exclusive_blocks_a_second_exclusive_on_another_thread()
    {
        var first = FileLock.Exclusive(LockPath);
        var acquired = new TaskCompletionSource();
        FileLock? second = null;
        var thread = new Thread(() =>
        {
            second = FileLock.Exclusive(LockPath);
            acquired.SetResult();
        }) { IsBackground = true };
        try
        {
            thread.Start();
            var early = await Task.WhenAny(acquired.Task, Task.Delay(300));
            Assert.NotSame(acquired.Task, early);
        }
        finally
        {
            first.Dispose();
        }
        var late = await Task.WhenAny(acquired.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(acquired.Task, late);
        second!.Dispose();
    }

    [Fact]
    public void The_lock_is_seen_by_another_process()
    {
        // flock(1) -n exits 1 when it cannot take the lock: our flock is the same advisory lock.
        using (FileLock.Exclusive(LockPath))
        {
            Assert.Equal(1, RunFlock("-n", "-s"));
        }
        using (FileLock.Shared(LockPath))
        {
            Assert.Equal(0, RunFlock("-n", "-s"));
            Assert.Equal(1, RunFlock("-n", "-x"));
        }
        Assert.Equal(0, RunFlock("-n", "-x"));
    }

    private int RunFlock(string nonBlocking, string mode)
    {
        var info = new ProcessStartInfo("flock") { UseShellExecute = false };
        foreach (var a in new[] { nonBlocking, mode, LockPath, "true" }) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        Assert.True(process.WaitForExit(10_000), "flock(1) did not finish");
        return process.ExitCode;
    }

    [Fact]
    public void A_missing_directory_is_an_IOException()
    {
        Assert.Throws<IOException>(() => FileLock.Exclusive(Path.Combine(_dir, "missing", "x.lock")));
    }
}
