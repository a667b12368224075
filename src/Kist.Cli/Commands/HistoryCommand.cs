using System.CommandLine;
using Kist.Cli.Formatting;
using Kist.Engine.Images;

namespace Kist.Cli.Commands;

/// <summary><c>kist history</c>: the image's history entries, newest first, with the size of each layer.</summary>
internal static class HistoryCommand
{
    private static readonly RowFormatter Formatter = new(
        "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
        new Dictionary<string, string>
        {
            ["ID"] = "IMAGE", ["CreatedSince"] = "CREATED", ["CreatedAt"] = "CREATED AT",
            ["CreatedBy"] = "CREATED BY", ["Size"] = "SIZE", ["Comment"] = "COMMENT",
        });

    public static Command Create(string name)
    {
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Don't truncate output" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only show image IDs" };
        var human = new Option<bool>("--human", "-H") { Description = "Print sizes and dates in human readable format", DefaultValueFactory = _ => true };
        var format = new Option<string?>("--format") { Description = "Format output using a Go template, or 'json'" };
        var image = new Argument<string>("IMAGE");
        var command = new Command(name, "Show the history of an image") { noTrunc, quiet, human, format, image };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var rows = await Cli.Engine(result).Images.HistoryAsync(result.GetValue(image)!, cancellationToken);
            bool full = result.GetValue(noTrunc), readable = result.GetValue(human);
            if (result.GetValue(quiet))
            {
                foreach (var row in rows) Cli.Out.WriteLine(ShortId(row, full));
                return 0;
            }
            Formatter.Write(Cli.Out, result.GetValue(format), rows.Select(row => new Dictionary<string, string>
            {
                ["ID"] = ShortId(row, full),
                ["CreatedSince"] = readable ? Units.Ago(row.Created) : ImageInspector.FormatTime(row.Created),
                ["CreatedAt"] = ImageInspector.FormatTime(row.Created),
                ["CreatedBy"] = full ? row.CreatedBy : Units.Ellipsis(row.CreatedBy.Replace('\t', ' '), 45),
                ["Size"] = readable ? Units.HumanSize(row.Size) : row.Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Comment"] = row.Comment,
            }));
            return 0;
        });
    }

    private static string ShortId(HistoryRow row, bool full) =>
        full || !row.Id.StartsWith("sha256:", StringComparison.Ordinal) ? row.Id : row.Id[7..19];
}
