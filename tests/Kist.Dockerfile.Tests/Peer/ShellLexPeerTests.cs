using System.Text.Json;
using Kist.Dockerfile.Shell;

namespace Kist.Dockerfile.Tests.Peer;

public sealed class ShellLexPeerTests
{
    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        var n = File.ReadLines(PeerData.Path("buildkit-shell-lex", "cases.jsonl")).Count(l => l.Trim().Length > 0);
        Assert.Equal(252, n);
        for (var i = 0; i < n; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_buildkit(int index)
    {
        var line = File.ReadLines(PeerData.Path("buildkit-shell-lex", "cases.jsonl")).Where(l => l.Trim().Length > 0).ElementAt(index);
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var word = root.GetProperty("word").GetString()!;
        var env = VariableMap.FromPairs(root.GetProperty("env").EnumerateArray().Select(e => e.GetString()!));
        var escape = root.GetProperty("escape").GetString()![0];
        var mode = root.GetProperty("mode").GetString();
        var expect = root.GetProperty("expect");
        var lexer = new ShellLexer(escape);
        if (expect.TryGetProperty("error", out _))
        {
            Assert.ThrowsAny<ExpansionException>(() => mode == "word" ? (object)lexer.ProcessWord(word, env) : lexer.ProcessWords(word, env));
            return;
        }
        if (mode == "word")
        {
            Assert.Equal(expect.GetProperty("result").GetString(), lexer.ProcessWord(word, env));
        }
        else
        {
            var expected = expect.GetProperty("words").EnumerateArray().Select(e => e.GetString()!).ToArray();
            Assert.Equal(expected, lexer.ProcessWords(word, env));
        }
    }
}
