using System.Text;
using Kist.Runtime.Logs;

namespace Kist.Runtime.Tests.Logs;

public sealed class JsonLogTests
{
    [Fact]
    public async Task Lines_are_written_as_json_file_entries_and_read_back_with_tail()
    {
        string path = Path.Combine(Path.GetTempPath(), "kist-log-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var writer = new JsonLogWriter(path))
            {
                var pending = new StringBuilder("one\ntwo\nthr");
                writer.Write("stdout", pending, final: false);
                Assert.Equal("thr", pending.ToString());
                pending.Append("ee");
                writer.Write("stdout", pending, final: true);
                writer.Write("stderr", new StringBuilder("err \"quoted\"\n"), final: false);
            }
            Assert.Contains("{\"log\":\"one\\n\",\"stream\":\"stdout\",\"time\":\"", File.ReadAllLines(path)[0]);
            var all = await Read(path, null);
            Assert.Equal(["one\n", "two\n", "three", "err \"quoted\"\n"], all.Select(e => e.Log));
            Assert.Equal("stderr", all[3].Stream);
            Assert.Equal(["three", "err \"quoted\"\n"], (await Read(path, 2)).Select(e => e.Log));
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$", all[0].TimeText);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Output_after_the_containers_directory_was_removed_is_dropped()
    {
        string dir = Directory.CreateTempSubdirectory("kist-log").FullName;
        string path = Path.Combine(dir, "log.json");
        Directory.Delete(dir);
        using var writer = new JsonLogWriter(path);
        var pending = new StringBuilder("late\n");
        writer.Write("stdout", pending, final: true);
        Assert.Equal("", pending.ToString());
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task A_writer_that_wrote_nothing_leaves_no_file_and_reads_as_empty()
    {
        string path = Path.Combine(Path.GetTempPath(), "kist-log-" + Guid.NewGuid().ToString("N"));
        using (var writer = new JsonLogWriter(path))
        {
            writer.Write("stdout", new StringBuilder("no newline yet"), final: false);
        }
        Assert.False(File.Exists(path));
        Assert.Empty(await Read(path, null));
    }

    [Fact]
    public async Task Following_waits_for_the_first_entry_while_the_writer_runs()
    {
        string path = Path.Combine(Path.GetTempPath(), "kist-log-" + Guid.NewGuid().ToString("N"));
        try
        {
            bool writing = true;
            var writer = Task.Run(async () =>
            {
                await Task.Delay(300);
                using (var log = new JsonLogWriter(path)) log.Write("stdout", new StringBuilder("late\n"), final: true);
                Volatile.Write(ref writing, false);
            });
            var read = new List<LogEntry>();
            await foreach (var e in JsonLogReader.ReadAsync(path, null, follow: true, () => Volatile.Read(ref writing))) read.Add(e);
            await writer;
            Assert.Equal(["late\n"], read.Select(e => e.Log));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task Following_a_log_whose_writer_stopped_without_output_ends()
    {
        string path = Path.Combine(Path.GetTempPath(), "kist-log-" + Guid.NewGuid().ToString("N"));
        var read = new List<LogEntry>();
        await foreach (var e in JsonLogReader.ReadAsync(path, null, follow: true, () => false)) read.Add(e);
        Assert.Empty(read);
    }

    private static async Task<List<LogEntry>> Read(string path, int? tail)
    {
        var result = new List<LogEntry>();
        await foreach (var e in JsonLogReader.ReadAsync(path, tail, follow: false, () => false)) result.Add(e);
        return result;
    }
}
