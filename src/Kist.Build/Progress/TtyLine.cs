namespace Kist.Build.Progress;

/// <summary>How a line is coloured, as BuildKit's tty display does: finished steps blue, failed red, canceled yellow, output faint.</summary>
public enum TtyStyle { Normal, Finished, Failed, Canceled, Output }

/// <summary>One line of a tty frame: its visible text (never wider than the terminal) and its colour.</summary>
public readonly record struct TtyLine(string Text, TtyStyle Style = TtyStyle.Normal);
