using System.Text;
using Kist.Dockerfile.Shell;

namespace Kist.Dockerfile.Tests;

/// <summary>
/// Property tests for the expansion engine, over seeded random inputs: each property is one of the reference's
/// rules (POSIX parameter expansion as BuildKit implements it).
/// </summary>
public sealed class ExpansionPropertyTests
{
    private const int Runs = 400;
    private static readonly ShellLexer Lexer = new();

    private static string RandomText(Random rng, string alphabet, int max)
    {
        var len = rng.Next(0, max);
        var sb = new StringBuilder(len);
        for (var i = 0; i < len; i++) sb.Append(alphabet[rng.Next(alphabet.Length)]);
        return sb.ToString();
    }

    private const string Plain = "abcXYZ019_-./:@+,é♥";
    private const string Anything = "abcXYZ019_-./:@+,é♥ \t$'\"\\{}*?#%";
    private const string NameStart = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
    private const string NameRest = NameStart + "0123456789";

    private static string RandomName(Random rng) => NameStart[rng.Next(NameStart.Length)] + RandomText(rng, NameRest, 8);

    private static VariableMap Env(params (string K, string V)[] pairs) =>
        new(pairs.GroupBy(p => p.K).ToDictionary(g => g.Key, g => g.Last().V, StringComparer.Ordinal));

    [Fact]
    public void Plain_words_are_unchanged()
    {
        var rng = new Random(1);
        for (var i = 0; i < Runs; i++)
        {
            var w = RandomText(rng, Plain, 30);
            Assert.Equal(w, Lexer.ProcessWord(w, VariableMap.Empty));
        }
    }

    [Fact]
    public void Braced_and_bare_references_give_the_value()
    {
        var rng = new Random(2);
        for (var i = 0; i < Runs; i++)
        {
            var name = RandomName(rng);
            var value = RandomText(rng, Anything, 20);
            var env = Env((name, value));
            Assert.Equal(value, Lexer.ProcessWord("${" + name + "}", env));
            Assert.Equal(value, Lexer.ProcessWord("$" + name, env));
            Assert.Equal("<" + value + ">", Lexer.ProcessWord("<${" + name + "}>", env));
            Assert.Equal(value, Lexer.ProcessWord("\"${" + name + "}\"", env));
            var r = Lexer.ProcessWordWithMatches("$" + name, env);
            Assert.Contains(name, r.Matched);
        }
    }

    [Fact]
    public void Unset_references_are_empty_and_reported()
    {
        var rng = new Random(3);
        for (var i = 0; i < Runs; i++)
        {
            var name = RandomName(rng);
            var r = Lexer.ProcessWordWithMatches("a${" + name + "}b", VariableMap.Empty);
            Assert.Equal("ab", r.Result);
            Assert.Contains(name, r.Unmatched);
        }
    }

    [Fact]
    public void Default_and_alternative_operators_follow_posix()
    {
        var rng = new Random(4);
        for (var i = 0; i < Runs; i++)
        {
            var name = RandomName(rng);
            var word = RandomText(rng, Plain, 10);
            var state = rng.Next(3); // 0 unset, 1 empty, 2 non-empty
            var value = state == 2 ? RandomText(rng, Plain, 10) + "v" : "";
            var env = state == 0 ? VariableMap.Empty : Env((name, value));
            var set = state != 0;
            var nonEmpty = state == 2;
            Assert.Equal(nonEmpty ? value : word, Lexer.ProcessWord($"${{{name}:-{word}}}", env));
            Assert.Equal(set ? value : word, Lexer.ProcessWord($"${{{name}-{word}}}", env));
            Assert.Equal(nonEmpty ? word : "", Lexer.ProcessWord($"${{{name}:+{word}}}", env));
            Assert.Equal(set ? word : "", Lexer.ProcessWord($"${{{name}+{word}}}", env));
            if (nonEmpty) Assert.Equal(value, Lexer.ProcessWord($"${{{name}:?msg}}", env));
            else Assert.Throws<ExpansionException>(() => Lexer.ProcessWord($"${{{name}:?msg}}", env));
            if (set) Assert.Equal(value, Lexer.ProcessWord($"${{{name}?msg}}", env));
            else Assert.Throws<ExpansionException>(() => Lexer.ProcessWord($"${{{name}?msg}}", env));
        }
    }

    [Fact]
    public void Literal_prefix_and_suffix_removal()
    {
        var rng = new Random(5);
        const string alphabet = "abc";
        for (var i = 0; i < Runs; i++)
        {
            var value = RandomText(rng, alphabet, 12);
            var pattern = RandomText(rng, alphabet, 4);
            var env = Env(("V", value));
            var prefixed = value.StartsWith(pattern, StringComparison.Ordinal) ? value[pattern.Length..] : value;
            var suffixed = value.EndsWith(pattern, StringComparison.Ordinal) ? value[..^pattern.Length] : value;
            Assert.Equal(prefixed, Lexer.ProcessWord("${V#" + pattern + "}", env));
            Assert.Equal(prefixed, Lexer.ProcessWord("${V##" + pattern + "}", env));
            Assert.Equal(suffixed, Lexer.ProcessWord("${V%" + pattern + "}", env));
            Assert.Equal(suffixed, Lexer.ProcessWord("${V%%" + pattern + "}", env));
        }
    }

    [Fact]
    public void Wildcard_removal_shortest_and_longest()
    {
        var rng = new Random(6);
        for (var i = 0; i < Runs; i++)
        {
            var value = RandomText(rng, "ab.", 14);
            var env = Env(("V", value));
            var first = value.IndexOf('.');
            var last = value.LastIndexOf('.');
            Assert.Equal(first < 0 ? value : value[(first + 1)..], Lexer.ProcessWord("${V#*.}", env));
            Assert.Equal(last < 0 ? value : value[(last + 1)..], Lexer.ProcessWord("${V##*.}", env));
            Assert.Equal(last < 0 ? value : value[..last], Lexer.ProcessWord("${V%.*}", env));
            Assert.Equal(first < 0 ? value : value[..first], Lexer.ProcessWord("${V%%.*}", env));
        }
    }

    [Fact]
    public void Literal_substitution_first_and_all()
    {
        var rng = new Random(7);
        for (var i = 0; i < Runs; i++)
        {
            var value = RandomText(rng, "abc", 14);
            var pattern = RandomText(rng, "abc", 3);
            if (pattern.Length == 0) pattern = "a";
            var replacement = RandomText(rng, "xyz", 3);
            var env = Env(("V", value));
            var idx = value.IndexOf(pattern, StringComparison.Ordinal);
            var first = idx < 0 ? value : value[..idx] + replacement + value[(idx + pattern.Length)..];
            Assert.Equal(first, Lexer.ProcessWord($"${{V/{pattern}/{replacement}}}", env));
            Assert.Equal(value.Replace(pattern, replacement, StringComparison.Ordinal), Lexer.ProcessWord($"${{V//{pattern}/{replacement}}}", env));
        }
    }

    [Fact]
    public void Single_quotes_keep_everything_literal()
    {
        var rng = new Random(8);
        for (var i = 0; i < Runs; i++)
        {
            var text = RandomText(rng, Anything.Replace("'", "", StringComparison.Ordinal), 20);
            Assert.Equal(text, Lexer.ProcessWord("'" + text + "'", Env(("a", "X"), ("b", "Y"))));
        }
    }

    [Fact]
    public void Escaping_every_character_gives_it_back()
    {
        var rng = new Random(9);
        foreach (var escape in new[] { '\\', '`' })
        {
            var lexer = new ShellLexer(escape);
            for (var i = 0; i < Runs; i++)
            {
                var text = RandomText(rng, Anything, 20);
                var escaped = string.Concat(text.Select(c => escape + c.ToString()));
                Assert.Equal(text, lexer.ProcessWord(escaped, Env(("a", "X"))));
                Assert.Equal(text.Length == 0 ? [] : new[] { text }, lexer.ProcessWords(escaped, VariableMap.Empty));
            }
        }
    }

    [Fact]
    public void Words_split_on_unquoted_whitespace_only()
    {
        var rng = new Random(10);
        for (var i = 0; i < Runs; i++)
        {
            var words = Enumerable.Range(0, rng.Next(1, 6)).Select(_ => RandomText(rng, Plain, 6) + "w").ToArray();
            Assert.Equal(words, Lexer.ProcessWords(string.Join(rng.Next(2) == 0 ? " " : " \t ", words), VariableMap.Empty));
            Assert.Equal([string.Join(" ", words)], Lexer.ProcessWords("\"" + string.Join(" ", words) + "\"", VariableMap.Empty));
            var env = Env(("W", string.Join("  ", words)));
            Assert.Equal(words, Lexer.ProcessWords("$W", env));
            Assert.Equal([string.Join("  ", words)], Lexer.ProcessWords("\"$W\"", env));
        }
    }

    [Fact]
    public void Random_input_terminates_with_a_result_or_an_expansion_error()
    {
        var rng = new Random(11);
        for (var i = 0; i < Runs * 10; i++)
        {
            var text = RandomText(rng, Anything + "${}:-+?/", 40);
            try
            {
                Lexer.ProcessWord(text, Env(("a", "x"), ("b", "")));
                Lexer.ProcessWords(text, Env(("a", "x y"), ("b", "")));
            }
            catch (ExpansionException)
            {
            }
        }
    }
}
