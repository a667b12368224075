using Kist.Build.Progress;

namespace Kist.Build.Tests.Progress;

public sealed class TerminalTextTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("10%\r50%\r100%", "100%")]
    [InlineData("done\r", "done")]
    [InlineData("\u001b[31mred\u001b[0m text", "red text")]
    [InlineData("\u001b]0;title\u0007after", "after")]
    [InlineData("a\tb", "a       b")]
    [InlineData("bell\u0007 and nul\0", "bell and nul")]
    public void Output_lines_are_made_printable(string line, string expected) => Assert.Equal(expected, TerminalText.Printable(line));
}
