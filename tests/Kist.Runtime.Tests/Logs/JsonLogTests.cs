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

    private static async Task<List<LogEntry>> Read(string path, int? tail)
    {
        var result = new List<LogEntry>();
        await foreach (var e in JsonLogReader.ReadAsync(path, tail, follow: false, () => false)) result.Add(e);
        return result;
    }
}
