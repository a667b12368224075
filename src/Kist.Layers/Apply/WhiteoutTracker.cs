namespace Kist.Layers.Apply;

/// <summary>
/// Whiteouts and opaque markers seen while a layer is staged (flatten mode), by physical path inside the staging
/// directory. They follow overlay semantics: a later entry at the same path replaces a whiteout, and removing a
/// path forgets the markers below it.
/// </summary>
internal sealed class WhiteoutTracker
{
    public SortedSet<string> Whiteouts { get; } = new(StringComparer.Ordinal);
    public SortedSet<string> Opaque { get; } = new(StringComparer.Ordinal);

    public void AddWhiteout(string path) { Forget(path); Whiteouts.Add(path); }

    public void AddOpaque(string dir) => Opaque.Add(dir);

    /// <summary>Something at <paramref name="path"/> was removed or replaced by a non-directory.</summary>
    public void Forget(string path)
    {
        Whiteouts.RemoveWhere(p => Under(p, path));
        Opaque.RemoveWhere(p => Under(p, path));
    }

    /// <summary>A new entry at <paramref name="path"/> replaces a whiteout there.</summary>
    public void Created(string path) => Whiteouts.Remove(path);

    private static bool Under(string p, string root) =>
        root.Length == 0 || p == root || (p.Length > root.Length && p[root.Length] == '/' && p.StartsWith(root, StringComparison.Ordinal));
}
