using System.CommandLine;
using System.Text;
using System.Text.Json;
using Kist.Cli.Formatting;
using Kist.Engine.Images;
using Kist.Oci;

namespace Kist.Cli.Commands;

/// <summary><c>kist inspect</c> / <c>kist image inspect</c>: Docker's JSON, or a Go template per image.</summary>
internal static class InspectCommand
{
    public static Command Create(string name)
    {
        var format = new Option<string?>("--format", "-f") { Description = "Format output using a Go template, or 'json'" };
        var type = new Option<string?>("--type") { Description = "Only inspect objects of the given type (image)" };
        var names = new Argument<string[]>("NAME|ID") { Arity = ArgumentArity.OneOrMore };
        var command = new Command(name, "Return low-level information on images") { format, type, names };
        return command.WithAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(type) is { } t && t != "image") throw new InvalidInputException($"\"{t}\" is not a valid value for --type");
            var engine = Cli.Engine(result);
            var found = new List<NamedImage>();
            int exitCode = 0;
            foreach (var nameOrId in result.GetValue(names)!)
            {
                try
                {
                    found.Add(await engine.Images.FindAsync(nameOrId, cancellationToken));
                }
                catch (NotFoundException)
                {
                    Cli.Error.WriteLine($"Error: No such object: {nameOrId}");
                    exitCode = ExitCodes.Failure;
                }
            }
            string? fmt = result.GetValue(format);
            byte[] json = ImageInspector.ToJson(found);
            if (string.IsNullOrEmpty(fmt) || fmt == "json")
            {
                if (found.Count > 0 || exitCode == 0) Cli.Out.WriteLine(Encoding.UTF8.GetString(json));
                return exitCode;
            }
            var template = GoTemplate.Parse(RowFormatter.Unescape(fmt));
            using var doc = JsonDocument.Parse(json);
            foreach (var element in doc.RootElement.EnumerateArray()) Cli.Out.WriteLine(template.Execute(element));
            return exitCode;
        });
    }
}
