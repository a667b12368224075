using System.CommandLine;
using System.Text;
using System.Text.Json;
using Kist.Cli.Formatting;
using Kist.Engine.Containers;
using Kist.Engine.Images;
using Kist.Oci;

namespace Kist.Cli.Commands;

/// <summary>
/// <c>kist inspect</c> (containers first, then images, as docker looks them up), <c>kist image inspect</c> and
/// <c>kist container inspect</c>: Docker's JSON, or a Go template per object.
/// </summary>
internal static class InspectCommand
{
    public static Command Create(string name, bool imagesOnly = false, bool containersOnly = false)
    {
        var format = new Option<string?>("--format", "-f") { Description = "Format output using a Go template, or 'json'" };
        var type = new Option<string?>("--type") { Description = "Only inspect objects of the given type (container, image)" };
        var names = new Argument<string[]>("NAME|ID") { CustomParser = Cli.Values, Arity = ArgumentArity.OneOrMore };
        var command = new Command(name, "Return low-level information on containers and images") { format, type, names };
        return command.WithAction(async (result, cancellationToken) =>
        {
            string? kind = result.GetValue(type);
            if (kind is not (null or "image" or "container")) throw new InvalidInputException($"\"{kind}\" is not a valid value for --type");
            bool containers = !imagesOnly && kind != "image";
            bool images = !containersOnly && kind != "container";
            var engine = Cli.Engine(result);
            var objects = new List<JsonElement>();
            int exitCode = 0;
            foreach (var nameOrId in result.GetValue(names)!)
            {
                byte[]? json = null;
                if (containers)
                {
                    try
                    {
                        var view = await engine.Containers.ViewAsync(engine.Containers.Find(nameOrId), cancellationToken);
                        json = ContainerInspector.ToJson([view], engine.Containers.Store.LogFile, engine.Containers.Store.Bundles.Directory);
                    }
                    catch (NotFoundException) { }
                }
                if (json is null && images)
                {
                    try { json = ImageInspector.ToJson([await engine.Images.FindAsync(nameOrId, cancellationToken)]); }
                    catch (NotFoundException) { }
                }
                if (json is null)
                {
                    Cli.Error.WriteLine($"Error: No such {(containersOnly || kind == "container" ? "container" : imagesOnly || kind == "image" ? "image" : "object")}: {nameOrId}");
                    exitCode = ExitCodes.Failure;
                    continue;
                }
                using var doc = JsonDocument.Parse(json);
                objects.AddRange(doc.RootElement.EnumerateArray().Select(e => e.Clone()));
            }
            string? fmt = result.GetValue(format);
            if (string.IsNullOrEmpty(fmt) || fmt == "json")
            {
                if (objects.Count > 0 || exitCode == 0) Cli.Out.WriteLine(Encoding.UTF8.GetString(Array(objects)));
                return exitCode;
            }
            var template = GoTemplate.Parse(RowFormatter.Unescape(fmt));
            foreach (var element in objects) Cli.Out.WriteLine(template.Execute(element));
            return exitCode;
        });
    }

    private static byte[] Array(List<JsonElement> objects)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, OciDocuments.WriterOptions with { Indented = true, IndentSize = 4 }))
        {
            writer.WriteStartArray();
            foreach (var o in objects) o.WriteTo(writer);
            writer.WriteEndArray();
        }
        return buffer.ToArray();
    }
}
