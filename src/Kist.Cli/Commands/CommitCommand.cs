using System.CommandLine;
using Kist.Engine.Containers;

namespace Kist.Cli.Commands;

/// <summary><c>kist commit</c>: a new image from a container's changes; prints its ID.</summary>
internal static class CommitCommand
{
    public static Command Create(string name = "commit")
    {
        var author = new Option<string?>("--author", "-a") { Description = "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")" };
        var message = new Option<string?>("--message", "-m") { Description = "Commit message" };
        var change = Cli.Repeatable("Apply Dockerfile instruction to the created image", "--change", "-c");
        var pause = new Option<bool>("--pause", "-p") { Description = "Pause container during commit", DefaultValueFactory = _ => true };
        var container = new Argument<string>("CONTAINER");
        var reference = new Argument<string?>("REPOSITORY[:TAG]") { Arity = ArgumentArity.ZeroOrOne };
        var command = new Command(name, "Create a new image from a container's changes") { author, message, change, pause, container, reference };
        return command.WithAction(async (result, cancellationToken) =>
        {
            var engine = Cli.Engine(result);
            var record = engine.Containers.Find(result.GetValue(container)!);
            var options = new CommitOptions(result.GetValue(reference), result.GetValue(author), result.GetValue(message), result.GetValue(change) ?? [], result.GetValue(pause));
            var id = await new ContainerCommitter(engine).CommitAsync(record, options, cancellationToken);
            Cli.Out.WriteLine(id.ToString());
            return 0;
        });
    }
}
