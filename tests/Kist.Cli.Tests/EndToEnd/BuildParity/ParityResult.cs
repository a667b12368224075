namespace Kist.Cli.Tests.EndToEnd.BuildParity;

/// <summary>What building one case with both engines showed: differences of files and config, of history, or a build failure.</summary>
public sealed record ParityResult(IReadOnlyList<string> Differences, IReadOnlyList<string> HistoryDifferences)
{
    public static ParityResult Failed(string message) => new([message], [message]);
}
