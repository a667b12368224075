namespace Kist.Build.Progress;

/// <summary>Where a build reports its steps (BuildKit's vertexes): started, cached, output lines, done or failed.</summary>
public interface IBuildProgress
{
    /// <summary>A new step named as BuildKit names it, e.g. <c>[build 2/4] RUN make</c>.</summary>
    IStepProgress Start(string name);
}

public interface IStepProgress
{
    void Cached();
    void Log(string line);
    void Done();
    void Error(string message);

    /// <summary>
    /// A finished part of the step (BuildKit's vertex status, e.g. <c>writing image sha256:…</c>): the tty display
    /// keeps it as a <c>=> =></c> line under the step; plain output prints it as an output line ending in <c>done</c>.
    /// </summary>
    void Status(string name) => Log(name + " done");
}

/// <summary>Reports nothing (<c>-q</c>).</summary>
public sealed class NullProgress : IBuildProgress, IStepProgress
{
    public static readonly NullProgress Instance = new();
    public IStepProgress Start(string name) => this;
    public void Cached() { }
    public void Log(string line) { }
    public void Done() { }
    public void Error(string message) { }
    public void Status(string name) { }
}
