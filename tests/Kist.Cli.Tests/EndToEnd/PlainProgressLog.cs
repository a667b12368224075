namespace Kist.Cli.Tests.EndToEnd;

/// <summary>Reads <c>kist build --progress plain</c> output as the tests need it.</summary>
public static class PlainProgressLog
{
    /// <summary>The steps of a plain progress log: name → how it ended (DONE, CACHED or ERROR).</summary>
    public static Dictionary<string, string> Steps(string log)
    {
        var names = new Dictionary<string, string>();
        var result = new Dictionary<string, string>();
        foreach (var line in log.Split('\n'))
        {
            if (!line.StartsWith('#')) continue;
            int space = line.IndexOf(' ');
            if (space < 0) continue;
            string number = line[..space], rest = line[(space + 1)..];
            if (rest.StartsWith('[') || rest.StartsWith("exporting", StringComparison.Ordinal) || rest.StartsWith("naming", StringComparison.Ordinal))
            {
                names.TryAdd(number, rest);
                continue;
            }
            if (!names.TryGetValue(number, out var name)) continue;
            if (rest == "CACHED" || rest.StartsWith("DONE", StringComparison.Ordinal) || rest.StartsWith("ERROR", StringComparison.Ordinal))
                result[name] = rest.Split(' ')[0].TrimEnd(':');
        }
        return result;
    }
}
