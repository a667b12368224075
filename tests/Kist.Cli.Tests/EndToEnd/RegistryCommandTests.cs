using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// <c>kist registry</c> runs the kist-registry binary beside kist in its own place: the arguments (global options too),
/// the output and the exit codes come through; without the binary, one clear error. Serving is tested by every
/// registry test that starts <c>kist registry serve</c>.
/// </summary>
public sealed class RegistryCommandTests : IDisposable
{
    private readonly TestRoot _root = new("kist-root");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Help_lists_serve_and_gc()
    {
        var result = (await KistAsync(_root.Path, "registry", "--help")).ShouldSucceed();
        Assert.Contains("kist registry", result.Stdout);
        Assert.Contains("serve", result.Stdout);
        Assert.Contains("gc", result.Stdout);
    }

    [Fact]
    public async Task The_root_given_to_kist_reaches_the_registry()
    {
        // gc of the default storage, ROOT/registry: the message names the root kist was given.
        var result = await KistAsync(_root.Path, "registry", "gc");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"Error: no registry storage at {Path.Combine(_root.Path, "registry")}", result.Stderr.Trim());

        Directory.CreateDirectory(Path.Combine(_root.Path, "registry"));
        var collected = (await RunAsync(KistBinary, ["registry", "--root", _root.Path, "gc", "--dry-run"])).ShouldSucceed();
        Assert.StartsWith("Would reclaim 0B in 0 blobs; 0 blobs kept;", collected.Stdout);
    }

    [Fact]
    public async Task A_bad_command_line_is_a_usage_error()
    {
        var result = await KistAsync(_root.Path, "registry", "serve", "--no-such-flag");
        Assert.Equal(125, result.ExitCode);
        Assert.Contains("--no-such-flag", result.Stderr);
        Assert.Contains("See 'kist registry --help'.", result.Stderr);

        var bare = await KistAsync(_root.Path, "registry");
        Assert.Equal(125, bare.ExitCode);
        Assert.Contains("a command is required", bare.Stderr);
    }

    [Fact]
    public async Task Without_kist_registry_beside_kist_or_on_PATH_the_error_says_so()
    {
        // kist's directory copied without kist-registry (an apphost's directory holds the assemblies it needs too).
        using var alone = new TestRoot("kist-alone");
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(KistBinary)!))
        {
            string name = Path.GetFileName(file);
            if (!name.StartsWith("kist-registry", StringComparison.Ordinal)) File.Copy(file, alone.File(name));
        }
        string kist = alone.File(Path.GetFileName(KistBinary));
        File.SetUnixFileMode(kist, File.GetUnixFileMode(KistBinary));
        var result = await RunFreshCopyAsync(kist, ["--root", _root.Path, "registry", "serve"], new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" });
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("kist-registry not found", result.Stderr);
    }

    /// <summary>
    /// Runs a binary just written: a child another test thread forked while the copy was open for writing holds that
    /// descriptor until it execs, and exec of the copy fails with ETXTBSY meanwhile (as Go's tests retry it).
    /// </summary>
    private static async Task<RunResult> RunFreshCopyAsync(string program, string[] args, IReadOnlyDictionary<string, string> environment)
    {
        const int ETXTBSY = 26;
        for (int attempt = 1; ; attempt++)
        {
            try { return await RunAsync(program, args, environment: environment); }
            catch (System.ComponentModel.Win32Exception e) when (e.NativeErrorCode == ETXTBSY && attempt < 50) { await Task.Delay(20); }
        }
    }
}
