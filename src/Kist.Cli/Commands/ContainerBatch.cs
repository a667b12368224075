using Kist.Engine;
using Kist.Oci;
using Kist.Runtime.State;

namespace Kist.Cli.Commands;

/// <summary>docker's pattern for stop/kill/rm/restart/wait: each container in turn, its name (or a result) on success, an error line otherwise.</summary>
internal static class ContainerBatch
{
    /// <param name="missingIsFine">A container that does not exist is reported but does not fail the command (<c>rm -f</c>, as docker's).</param>
    public static async Task<int> ForEachAsync(KistEngine engine, IEnumerable<string> names, Func<ContainerRecord, Task<string?>> action, bool missingIsFine = false)
    {
        int exit = 0;
        foreach (var name in names)
        {
            try
            {
                var record = engine.Containers.Find(name);
                string? line = await action(record);
                Cli.Out.WriteLine(line ?? name);
            }
            catch (KistException e)
            {
                Cli.Error.WriteLine("Error response from daemon: " + e.Message);
                if (!(missingIsFine && e is NotFoundException)) exit = ExitCodes.Failure;
            }
        }
        return exit;
    }
}
