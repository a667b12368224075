using System.CommandLine;
using System.Globalization;

namespace Kist.Cli.Commands;

/// <summary><c>kist wait</c>: block until containers stop, then print their exit codes.</summary>
internal static class WaitCommand
{
    public static Command Create(string name = "wait")
    {
        var containers = new Argument<string[]>("CONTAINER") { CustomParser = Cli.Values, Arity = ArgumentArity.OneOrMore };
        var command = new Command(name, "Block until one or more containers stop, then print their exit codes") { containers };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            return await ContainerBatch.ForEachAsync(engine, result.GetValue(containers)!, async record =>
                (await engine.Containers.WaitAsync(record, cancellationToken)).ToString(CultureInfo.InvariantCulture));
        });
    }
}
