using System.Text;
using Kist.Layers.Native;
using Kist.Runtime.State;

namespace Kist.Runtime.Tests.State;

/// <summary>Both ways of replacing a container's small files: the content, the mode, and nothing left beside them.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kist-atomic-file-").FullName;

    private string FilePath => Path.Combine(_directory, "state.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> Ways => ["Write", "WriteDurably"];

    [Theory]
    [MemberData(nameof(Ways))]
    public void A_new_file_has_the_content_and_the_mode_File_WriteAllBytes_gives(string way)
    {
        string reference = Path.Combine(_directory, "reference");
        File.WriteAllBytes(reference, [1]);

        Write(way, FilePath, "{\"Status\":\"running\"}");

        Assert.Equal("{\"Status\":\"running\"}", File.ReadAllText(FilePath));
        Assert.Equal(File.GetUnixFileMode(reference), File.GetUnixFileMode(FilePath));
        Assert.Equal(["reference", "state.json"], Names());
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public void An_old_file_is_replaced_whole_by_a_shorter_or_a_longer_one(string way)
    {
        File.WriteAllText(FilePath, "a much longer old content than the new one");
        Write(way, FilePath, "short");
        Assert.Equal("short", File.ReadAllText(FilePath));

        Write(way, FilePath, "now longer than before");
        Assert.Equal("now longer than before", File.ReadAllText(FilePath));
        Assert.Equal(["state.json"], Names());
    }

    [Fact]
    public void A_reader_holding_the_old_file_keeps_reading_the_old_content()
    {
        File.WriteAllText(FilePath, "old");
        using var reader = new StreamReader(FilePath);

        AtomicFile.Write(FilePath, "new"u8);

        Assert.Equal("old", reader.ReadToEnd()); // a new inode took the name: the old one was never rewritten
        Assert.Equal("new", File.ReadAllText(FilePath));
    }

    [Fact]
    public void A_temporary_file_left_by_a_process_of_the_same_pid_is_written_over()
    {
        File.WriteAllText(FilePath + ".tmp-" + Environment.ProcessId, "left by a crash");
        AtomicFile.Write(FilePath, "new"u8);
        Assert.Equal("new", File.ReadAllText(FilePath));
        Assert.Equal(["state.json"], Names());
    }

    [Fact]
    public void A_fifo_is_replaced_by_a_regular_file()
    {
        Assert.Equal(0, Libc.MknodAt(Libc.AT_FDCWD, FilePath, Libc.S_IFIFO | 0x180, 0));
        AtomicFile.Write(FilePath, "{}"u8);
        Assert.True(FileStat.Lstat(Libc.AT_FDCWD, FilePath).IsRegular);
        Assert.Equal("{}", File.ReadAllText(FilePath));
    }

    [Fact]
    public void A_directory_it_cannot_write_in_is_an_error_naming_the_file()
    {
        string missing = Path.Combine(_directory, "missing", "state.json");
        var e = Assert.ThrowsAny<IOException>(() => AtomicFile.Write(missing, "{}"u8));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    private static void Write(string way, string path, string content)
    {
        if (way == "Write") AtomicFile.Write(path, Encoding.UTF8.GetBytes(content));
        else AtomicFile.WriteDurably(path, Encoding.UTF8.GetBytes(content));
    }

    private string[] Names() => Directory.GetFileSystemEntries(_directory).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();
}
