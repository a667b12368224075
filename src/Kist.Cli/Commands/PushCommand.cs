using System.CommandLine;
using Kist.Cli.Formatting;
using Kist.Engine.Distribution;

namespace Kist.Cli.Commands;

/// <summary><c>kist push NAME[:TAG] [DEST]</c>: an image from the store to a registry (under another name with DEST).</summary>
internal static class PushCommand
{
    public static Command Create(string name)
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress verbose output" };
        var image = new Argument<string>("NAME[:TAG]");
        var destination = new Argument<string?>("DEST") { Arity = ArgumentArity.ZeroOrOne, Description = "Push to this name instead (the image keeps its own)" };
        var registry = new RegistryOptions();
        var command = new Command(name, "Upload an image to a registry") { quiet, image, destination };
        registry.AddTo(command);
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            bool isQuiet = result.GetValue(quiet);
            using var display = isQuiet ? null : TransferDisplay.ForConsole();
            ITransferObserver observer = display is null ? NullTransferObserver.Instance : display;
            string target = result.GetValue(destination) ?? result.GetValue(image)!;
            if (Kist.Oci.ImageReference.TryParse(target, out _) && Kist.Oci.ImageReference.ParseRepository(target) is { Tag: null, Digest: null })
            {
                observer.Message("Using default tag: latest");
            }
            var pushed = await engine.Push(registry.Read(result)).PushAsync(result.GetValue(image)!, result.GetValue(destination), observer, cancellationToken);
            display?.Dispose();
            Cli.Out.WriteLine(isQuiet ? pushed.Reference.ToString() : $"{pushed.Reference.Tag}: digest: {pushed.Digest} size: {pushed.Size}");
            return 0;
        });
    }
}
