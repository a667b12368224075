using System.Diagnostics;
using Kist.Runtime.Execution;

namespace Kist.Runtime.Tests.Execution;

/// <summary>The private directory of one runtime call: on a tmpfs when there is one, else beside the container.</summary>
public sealed class RuntimeScratchTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kist-scratch-" + Guid.NewGuid().ToString("N"));
    private string Tmpfs => Path.Combine(_directory, "tmpfs");
    private string Disk => Path.Combine(_directory, "disk");
    private string Container => Path.Combine(_directory, "container");

    public RuntimeScratchTests()
    {
        foreach (var dir in new[] { Tmpfs, Disk, Container }) Directory.CreateDirectory(dir);
        Exec("mount", "-t", "tmpfs", "-o", "size=1m", "kist-scratch-test", Tmpfs);
    }

    public void Dispose()
    {
        Exec("umount", Tmpfs);
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void The_first_tmpfs_is_taken_and_emptied_on_dispose()
    {
        string made;
        using (var scratch = RuntimeScratch.Create(Container, [Path.Combine(_directory, "missing"), Disk, Tmpfs]))
        {
            made = scratch.Directory;
            Assert.Equal(Tmpfs, Path.GetDirectoryName(made));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(made));
            File.WriteAllText(scratch.File("pid"), "42");
            Assert.Equal("42", File.ReadAllText(Path.Combine(made, "pid")));
        }
        Assert.False(Directory.Exists(made));
        Assert.Empty(Directory.GetFileSystemEntries(Tmpfs));
    }

    [Fact]
    public void Without_a_tmpfs_the_directory_is_made_in_the_fallback()
    {
        using (var scratch = RuntimeScratch.Create(Container, [Disk]))
        {
            Assert.Equal(Container, Path.GetDirectoryName(scratch.Directory));
        }
        Assert.Empty(Directory.GetFileSystemEntries(Container));
        Assert.Empty(Directory.GetFileSystemEntries(Disk));
    }

    [Fact]
    public void It_can_be_removed_early_and_disposed_again()
    {
        using var scratch = RuntimeScratch.Create(Container, [Tmpfs]);
        File.WriteAllText(scratch.File("pid"), "42");
        scratch.Dispose();
        Assert.False(Directory.Exists(scratch.Directory));
        scratch.Dispose();
    }

    [Fact]
    public void Each_call_gets_its_own_directory()
    {
        using var first = RuntimeScratch.Create(Container, [Tmpfs]);
        using var second = RuntimeScratch.Create(Container, [Tmpfs]);
        Assert.NotEqual(first.Directory, second.Directory);
    }

    [Fact]
    public void A_fallback_that_cannot_be_written_is_a_clear_error()
    {
        var e = Assert.Throws<Kist.Oci.KistException>(() => RuntimeScratch.Create(Path.Combine(_directory, "missing"), [Disk]));
        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
    }

    private static void Exec(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} failed: {error}");
    }
}
