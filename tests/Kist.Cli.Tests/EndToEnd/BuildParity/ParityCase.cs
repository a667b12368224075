namespace Kist.Cli.Tests.EndToEnd.BuildParity;

/// <summary>
/// One parity case: a directory under <c>Cases/</c> with a Dockerfile (or <c>-f</c> in <c>args</c>) and its context.
/// Optional files, consumed by the harness and removed from the context copy: <c>args</c> (extra build arguments,
/// one per line, <c>{context}</c> replaced by the context path), <c>setup.sh</c> (run with sh in the copy to make
/// what git cannot keep: symlinks, hardlinks, modes, empty directories, archives) and <c>parent.Dockerfile</c>
/// (built first as <c>kist-parity/NAME-parent:1</c>, which the Dockerfile uses as its base, and compared too).
/// </summary>
public sealed record ParityCase(string Name, string Directory)
{
    public const string Repository = "kist-parity";

    public static string CasesDirectory => Path.Combine(AppContext.BaseDirectory, "EndToEnd", "BuildParity", "Cases");

    public static IReadOnlyList<ParityCase> All() =>
        System.IO.Directory.GetDirectories(CasesDirectory).Order(StringComparer.Ordinal)
            .Select(dir => new ParityCase(Path.GetFileName(dir), dir)).ToList();

    public string Tag => $"{Repository}/{Name}:1";
    public string ParentTag => $"{Repository}/{Name}-parent:1";
    public bool HasParent => File.Exists(Path.Combine(Directory, "parent.Dockerfile"));

    /// <summary>Copies the case into <paramref name="context"/>, runs its setup and returns the extra build arguments.</summary>
    public async Task<IReadOnlyList<string>> PrepareContextAsync(string context)
    {
        CopyTree(Directory, context);
        string setup = Path.Combine(context, "setup.sh");
        if (File.Exists(setup))
        {
            var result = await KistProcess.RunAsync("sh", ["-c", $"cd '{context}' && sh ./setup.sh"]);
            if (result.ExitCode != 0) throw new InvalidOperationException($"{Name}/setup.sh failed: {result.Stderr}");
            File.Delete(setup);
        }
        string argsFile = Path.Combine(context, "args");
        if (!File.Exists(argsFile)) return [];
        var args = File.ReadAllLines(argsFile).Where(line => line.Length > 0).Select(line => line.Replace("{context}", context)).ToList();
        File.Delete(argsFile);
        return args;
    }

    private static void CopyTree(string source, string target)
    {
        System.IO.Directory.CreateDirectory(target);
        foreach (var dir in System.IO.Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
            System.IO.Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, dir)));
        foreach (var file in System.IO.Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)));
    }

    public override string ToString() => Name;
}
