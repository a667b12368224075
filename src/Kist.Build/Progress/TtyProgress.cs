using System.Diagnostics;

namespace Kist.Build.Progress;

/// <summary>
/// BuildKit's <c>--progress=tty</c>: a frame (<see cref="TtyFrame"/>) redrawn in place about ten times a second by one
/// background thread, while steps report from any thread. <see cref="Dispose"/> stops that thread, marks the steps
/// still running as canceled and draws the final frame; nothing is written after it returns.
/// </summary>
public sealed class TtyProgress : IBuildProgress, IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<Step> _steps = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TtyFrameWriter _writer;
    private readonly Func<(int Width, int Height)> _size;
    private readonly TimeSpan _interval;
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _thread;
    private int _disposed;

    /// <param name="size">The terminal's columns and rows, asked before every frame (it may be resized).</param>
    public TtyProgress(TextWriter output, Func<(int Width, int Height)> size, bool color = true, TimeSpan? interval = null)
    {
        _writer = new TtyFrameWriter(output, color);
        _size = size;
        _interval = interval ?? TimeSpan.FromMilliseconds(100);
        _thread = new Thread(Redraw) { IsBackground = true, Name = "kist build progress" };
        _thread.Start();
    }

    public IStepProgress Start(string name)
    {
        lock (_lock)
        {
            var step = new Step(this, name, _clock.Elapsed);
            _steps.Add(step);
            return step;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Set();
        _thread.Join();
        lock (_lock)
        {
            var now = _clock.Elapsed;
            foreach (var step in _steps.Where(s => s.State == StepState.Running))
            {
                step.State = StepState.Canceled;
                step.Completed = now;
            }
        }
        Draw(final: true);
        _stop.Dispose();
    }

    private void Redraw()
    {
        do Draw(final: false);
        while (!_stop.Wait(_interval));
    }

    private void Draw(bool final)
    {
        List<StepSnapshot> steps;
        TimeSpan now;
        lock (_lock)
        {
            now = _clock.Elapsed;
            steps = [.. _steps.Select(s => s.Snapshot())];
        }
        var (width, height) = _size();
        try
        {
            _writer.Write(TtyFrame.Render(steps, now, width, height, final));
        }
        catch (IOException)
        {
            // The terminal went away (a closed pty): the build goes on without its display.
        }
    }

    private sealed class Step(TtyProgress owner, string stepName, TimeSpan started) : IStepProgress
    {
        private readonly Queue<string> _tail = new();
        private readonly List<StatusSnapshot> _statuses = [];

        public StepState State { get; set; }
        public TimeSpan? Completed { get; set; }

        public StepSnapshot Snapshot() => new(stepName, started)
        {
            State = State, Completed = Completed, Tail = [.. _tail], Statuses = [.. _statuses],
        };

        public void Cached() => Finish(StepState.Cached);

        public void Done() => Finish(StepState.Done);

        public void Error(string message) => Finish(StepState.Failed, force: true);

        public void Log(string line)
        {
            string text = TerminalText.Printable(line);
            lock (owner._lock)
            {
                _tail.Enqueue(text);
                while (_tail.Count > TtyFrame.TailLines) _tail.Dequeue();
                // A warning (an unusable cache source) stays in view once the step collapses.
                if (text.StartsWith("WARNING:", StringComparison.Ordinal))
                {
                    var now = owner._clock.Elapsed;
                    _statuses.Add(new StatusSnapshot(text, now, now));
                }
            }
        }

        public void Status(string name)
        {
            lock (owner._lock)
            {
                var now = owner._clock.Elapsed;
                _statuses.Add(new StatusSnapshot(name, now, now));
            }
        }

        private void Finish(StepState state, bool force = false)
        {
            lock (owner._lock)
            {
                if (State != StepState.Running && !force) return;
                State = state;
                Completed ??= owner._clock.Elapsed;
            }
        }
    }
}
