using System.CommandLine;
using Kist.Oci;
using Kist.Registry.Cli;

// kist-registry: what `kist registry ARGS` executes (as kist-registry ARGS, the global options included).
var parsed = RegistryCommands.Create().Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine("kist registry: " + error.Message);
    Console.Error.WriteLine("See 'kist registry --help'.");
    return 125;
}
try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (OperationCanceledException)
{
    return 130;
}
catch (Exception e)
{
    Console.Error.WriteLine("Error: " + (e is KistException or IOException ? e.Message : $"{e.GetType().Name}: {e.Message}"));
    if (parsed.GetValue(RegistryCommands.Debug)) Console.Error.WriteLine(e);
    return 1;
}
