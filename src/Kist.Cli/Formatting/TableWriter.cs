using System.Text;

namespace Kist.Cli.Formatting;

/// <summary>
/// Columns aligned as docker's tabwriter aligns them (minimum width 10, padding 3, the last column unpadded).
/// </summary>
public sealed class TableWriter(IReadOnlyList<string> headers)
{
    private const int MinWidth = 10;
    private const int Padding = 3;
    private readonly List<IReadOnlyList<string>> _rows = [headers];

    public void Add(params IReadOnlyList<string> cells) => _rows.Add(cells);

    public void WriteTo(TextWriter output)
    {
        int columns = _rows.Max(r => r.Count);
        var widths = new int[columns];
        foreach (var row in _rows)
        {
            for (int i = 0; i < row.Count - 1; i++) widths[i] = Math.Max(widths[i], Math.Max(MinWidth, row[i].Length + Padding));
        }
        var line = new StringBuilder();
        foreach (var row in _rows)
        {
            line.Clear();
            for (int i = 0; i < row.Count; i++)
            {
                line.Append(row[i]);
                if (i < row.Count - 1) line.Append(' ', widths[i] - row[i].Length);
            }
            output.WriteLine(line.ToString().TrimEnd());
        }
    }
}
