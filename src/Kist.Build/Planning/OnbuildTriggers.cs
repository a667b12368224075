using Kist.Dockerfile;
using Kist.Dockerfile.Instructions;
using Kist.Oci;

namespace Kist.Build.Planning;

/// <summary>ONBUILD: a base's triggers run first in the child stage, as if written right after its FROM.</summary>
public static class OnbuildTriggers
{
    /// <summary>Parses the triggers (the expressions an image config's <c>OnBuild</c> keeps) into instructions.</summary>
    public static IReadOnlyList<Instruction> Parse(IReadOnlyList<string> triggers, char escape)
    {
        if (triggers.Count == 0) return [];
        string directive = escape == '\\' ? "" : $"# escape={escape}\n";
        string text = directive + "FROM scratch\n" + string.Join('\n', triggers) + "\n";
        try
        {
            var document = DockerfileDocument.Parse(text);
            foreach (var i in document.Stages[0].Instructions)
            {
                if (i is FromInstruction or OnbuildInstruction || i.Name == "MAINTAINER")
                    throw new InvalidInputException($"{i.Name} isn't allowed as an ONBUILD trigger");
            }
            if (document.Stages.Count != 1) throw new InvalidInputException("FROM isn't allowed as an ONBUILD trigger");
            return document.Stages[0].Instructions;
        }
        catch (DockerfileException e)
        {
            throw new InvalidInputException("failed to parse ONBUILD trigger: " + e.Message);
        }
    }

    /// <summary>The ONBUILD expressions a stage records in its image (for a child stage built on it).</summary>
    public static IReadOnlyList<string> Declared(Stage stage) =>
        stage.Instructions.OfType<OnbuildInstruction>().Select(o => o.Expression).ToArray();
}
