using System.CommandLine;
using Kist.Cli;
using Kist.Cli.Commands;
using Kist.Runtime.Diagnostics;

Timings.Mark("main");

int commandIndex = CommandCatalog.CommandIndex(args);
if (commandIndex >= 0 && args[commandIndex] == RegistryCommand.Name) return RegistryCommand.Execute(args, commandIndex);

var root = CommandCatalog.Root(args);

Cli.RejectUnknownFlags(root);
var parsed = root.Parse(ExecCommand.SplitCommand(ContainerFlags.SplitCommand(args, root)));
Timings.Mark("parsed");
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine("kist: " + error.Message);
    Console.Error.WriteLine($"See '{CommandPath(parsed)} --help'.");
    return ExitCodes.Usage;
}
try
{
    var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
    // Commands that run a container forward SIGINT/SIGTERM to it instead of cancelling themselves.
    if (Cli.HandlesSignals.Contains(parsed.CommandResult.Command)) configuration.ProcessTerminationTimeout = null;
    int exitCode = await parsed.InvokeAsync(configuration);
    Timings.Mark("exit");
    return exitCode;
}
catch (OperationCanceledException)
{
    return ExitCodes.Interrupted;
}
catch (Exception e)
{
    Console.Error.WriteLine("Error: " + ExitCodes.Describe(e));
    if (parsed.GetValue(Cli.Debug)) Console.Error.WriteLine(e);
    return ExitCodes.Failure;
}

static string CommandPath(ParseResult parsed)
{
    var names = new Stack<string>();
    for (var result = parsed.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
    {
        names.Push(result.Parent is null ? "kist" : result.Command.Name);
    }
    return string.Join(' ', names);
}
