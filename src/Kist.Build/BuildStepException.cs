using Kist.Oci;

namespace Kist.Build;

/// <summary>A RUN step that exited non-zero: BuildKit's message, with the tail of its output for the progress display.</summary>
public sealed class BuildStepException(string message, int exitCode, IReadOnlyList<string> outputTail) : KistException(message)
{
    public int ExitCode { get; } = exitCode;
    public IReadOnlyList<string> OutputTail { get; } = outputTail;
    /// <summary>The step's progress name (<c>[2/3] RUN make</c>), set by the stage that ran it.</summary>
    public string? StepName { get; set; }
}
