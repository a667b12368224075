using System.CommandLine;
using System.Text.RegularExpressions;
using Kist.Cli.Formatting;
using Kist.Engine.Images;
using Kist.Oci;

namespace Kist.Cli.Commands;

/// <summary><c>kist images</c> / <c>kist image ls</c>.</summary>
internal static class ImagesCommand
{
    private static readonly RowFormatter Formatter = new(
        "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}",
        new Dictionary<string, string>
        {
            ["ID"] = "IMAGE ID", ["Repository"] = "REPOSITORY", ["Tag"] = "TAG", ["Digest"] = "DIGEST",
            ["CreatedSince"] = "CREATED", ["CreatedAt"] = "CREATED AT", ["Size"] = "SIZE", ["Containers"] = "CONTAINERS",
            ["SharedSize"] = "SHARED SIZE", ["UniqueSize"] = "UNIQUE SIZE", ["VirtualSize"] = "VIRTUAL SIZE",
        });

    private const string DigestsTable = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";

    public static Command Create(string name)
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only show image IDs" };
        var all = new Option<bool>("--all", "-a") { Description = "Show all images (default hides intermediate images)" };
        var digests = new Option<bool>("--digests") { Description = "Show digests" };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Don't truncate output" };
        var format = new Option<string?>("--format") { Description = "Format output using a Go template, 'table', 'table TEMPLATE' or 'json'" };
        var filters = Cli.Repeatable("Filter output (dangling, reference, label, before, since)", "--filter", "-f");
        var repository = new Argument<string?>("REPOSITORY[:TAG]") { Arity = ArgumentArity.ZeroOrOne };
        var command = new Command(name, "List images") { quiet, all, digests, noTrunc, format, filters, repository };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var images = await Cli.Engine(result).Images.ListAsync(cancellationToken);
            var filter = ImageFilter.Create(result.GetValue(filters) ?? [], result.GetValue(repository), images);
            var rows = images
                .OrderByDescending(i => i.Image.ConfigValue.Created ?? DateTimeOffset.MinValue)
                .SelectMany(Rows)
                .Where(filter.Matches)
                .ToList();
            bool full = result.GetValue(noTrunc);
            if (result.GetValue(quiet))
            {
                foreach (var id in rows.Select(r => FormatId(r.Image.Id, full)).Distinct()) Cli.Out.WriteLine(id);
                return 0;
            }
            string? fmt = result.GetValue(format) ?? (result.GetValue(digests) ? DigestsTable : null);
            Formatter.Write(Cli.Out, fmt, rows.Select(r => Fields(r, full)));
            return 0;
        });
    }

    private static string FormatId(Digest id, bool full) => full ? id.ToString() : id.Short;

    /// <summary>One row per tag; a digest-only name or a dangling image gets one row with &lt;none&gt;.</summary>
    private static IEnumerable<ImageRow> Rows(NamedImage image)
    {
        const string none = "<none>";
        var tags = image.Tags.ToList();
        foreach (var tag in tags)
        {
            var digest = image.DigestReferences.FirstOrDefault(d => d.Repository == tag.Repository)?.Digest?.ToString() ?? none;
            yield return new ImageRow(tag.FamiliarRepository, tag.Tag!, digest, image);
        }
        if (tags.Count > 0) yield break;
        var digestReferences = image.DigestReferences.ToList();
        foreach (var reference in digestReferences) yield return new ImageRow(reference.FamiliarRepository, none, reference.Digest!.ToString()!, image);
        if (digestReferences.Count == 0) yield return new ImageRow(none, none, none, image);
    }

    private static Dictionary<string, string> Fields(ImageRow row, bool full)
    {
        var created = row.Image.Image.ConfigValue.Created;
        string size = Units.HumanSize(row.Image.Image.Size);
        return new Dictionary<string, string>
        {
            ["ID"] = FormatId(row.Image.Id, full),
            ["Repository"] = row.Repository,
            ["Tag"] = row.Tag,
            ["Digest"] = row.Digest,
            ["CreatedSince"] = Units.Ago(created),
            ["CreatedAt"] = Units.CreatedAt(created),
            ["Size"] = size,
            ["VirtualSize"] = size,
            ["Containers"] = "N/A",
            ["SharedSize"] = "N/A",
            ["UniqueSize"] = "N/A",
        };
    }

    /// <summary>docker's image filters: dangling, reference (glob), label, before, since.</summary>
    private sealed class ImageFilter
    {
        private readonly List<Func<ImageRow, bool>> _tests = [];

        public bool Matches(ImageRow row) => _tests.All(t => t(row));

        public static ImageFilter Create(string[] specs, string? repository, IReadOnlyList<NamedImage> images)
        {
            var filter = new ImageFilter();
            var references = new List<Regex>();
            if (repository is not null) references.Add(Glob(repository.Contains(':') ? repository : repository + "*"));
            foreach (var spec in specs)
            {
                int eq = spec.IndexOf('=');
                if (eq <= 0) throw new InvalidInputException($"bad format of filter (expected name=value): \"{spec}\"");
                string key = spec[..eq].ToLowerInvariant(), value = spec[(eq + 1)..];
                switch (key)
                {
                    case "dangling":
                        bool dangling = value.ToLowerInvariant() switch
                        {
                            "true" or "1" => true,
                            "false" or "0" => false,
                            _ => throw new InvalidInputException($"invalid filter 'dangling={value}'"),
                        };
                        filter._tests.Add(r => (r.Tag == "<none>") == dangling);
                        break;
                    case "reference":
                        references.Add(Glob(value));
                        break;
                    case "label":
                        int labelEq = value.IndexOf('=');
                        string labelKey = labelEq < 0 ? value : value[..labelEq];
                        string? labelValue = labelEq < 0 ? null : value[(labelEq + 1)..];
                        filter._tests.Add(r => r.Image.Image.ConfigValue.Config?.Labels is { } labels
                            && labels.TryGetValue(labelKey, out var v) && (labelValue is null || v == labelValue));
                        break;
                    case "before" or "since":
                        var pivot = Find(images, value) ?? throw new NotFoundException($"No such image: {value}");
                        var pivotTime = pivot.Image.ConfigValue.Created ?? DateTimeOffset.MinValue;
                        bool before = key == "before";
                        filter._tests.Add(r =>
                        {
                            var t = r.Image.Image.ConfigValue.Created ?? DateTimeOffset.MinValue;
                            return before ? t < pivotTime : t > pivotTime;
                        });
                        break;
                    default:
                        throw new InvalidInputException($"invalid filter '{key}'");
                }
            }
            if (references.Count > 0)
            {
                filter._tests.Add(r => r.Repository != "<none>" && references.Any(p =>
                    p.IsMatch(r.Repository) || p.IsMatch(r.Repository + ":" + r.Tag)));
            }
            return filter;
        }

        private static NamedImage? Find(IReadOnlyList<NamedImage> images, string nameOrId) =>
            images.FirstOrDefault(i => i.References.Any(r => ImageReference.TryParse(nameOrId, out var p) && p!.ToString() == r.ToString()))
            ?? images.FirstOrDefault(i => i.Id.Encoded.StartsWith(nameOrId.Replace("sha256:", ""), StringComparison.Ordinal));

        /// <summary>Go's path.Match: <c>*</c> and <c>?</c> stop at <c>/</c>, <c>[…]</c> classes.</summary>
        private static Regex Glob(string pattern)
        {
            var regex = new System.Text.StringBuilder("^");
            foreach (char c in pattern)
            {
                regex.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    '[' => "[",
                    ']' => "]",
                    _ => Regex.Escape(c.ToString()),
                });
            }
            return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
        }
    }
}
