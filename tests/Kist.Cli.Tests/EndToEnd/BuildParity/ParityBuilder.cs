using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd.BuildParity;

/// <summary>
/// Builds a case with BuildKit (<c>DOCKER_BUILDKIT=1 /usr/bin/docker build</c>) and with <c>kist build</c> from one
/// prepared context, saves both images, flattens them and lists every difference.
/// </summary>
public sealed class ParityBuilder(string kistRoot)
{
    public const string DockerClient = "/usr/bin/docker";
    private static readonly Dictionary<string, string> BuildKit = new() { ["DOCKER_BUILDKIT"] = "1" };

    public static Task<RunResult> DockerBuildAsync(IEnumerable<string> args) =>
        KistProcess.RunAsync(DockerClient, ["build", "--progress=plain", .. args], environment: BuildKit);

    public async Task<ParityResult> CompareAsync(ParityCase parityCase, string work)
    {
        string context = Path.Combine(work, "context");
        var args = await parityCase.PrepareContextAsync(context);
        var differences = new List<string>();
        var history = new List<string>();
        if (parityCase.HasParent)
        {
            var parent = await BuildAndCompareAsync(parityCase.ParentTag, ["-f", Path.Combine(context, "parent.Dockerfile")], context, Path.Combine(work, "parent"));
            if (parent.Differences.Count > 0 && parent.Differences[0].StartsWith("build failed", StringComparison.Ordinal)) return parent;
            differences.AddRange(parent.Differences.Select(d => "parent image: " + d));
            history.AddRange(parent.HistoryDifferences.Select(d => "parent image: " + d));
        }
        var result = await BuildAndCompareAsync(parityCase.Tag, args, context, Path.Combine(work, "image"));
        differences.AddRange(result.Differences);
        history.AddRange(result.HistoryDifferences);
        return new ParityResult(differences, history);
    }

    private async Task<ParityResult> BuildAndCompareAsync(string tag, IReadOnlyList<string> args, string context, string work)
    {
        Directory.CreateDirectory(work);
        var docker = await DockerBuildAsync(["-t", tag, .. args, context]);
        if (docker.ExitCode != 0) return ParityResult.Failed($"build failed with docker (exit {docker.ExitCode}): {Tail(docker.Stderr)}");
        var kist = await KistAsync(kistRoot, ["build", "-t", tag, .. args, context]);
        if (kist.ExitCode != 0) return ParityResult.Failed($"build failed with kist (exit {kist.ExitCode}): {Tail(kist.Stderr + kist.Stdout)}");

        string dockerTar = Path.Combine(work, "docker.tar"), kistTar = Path.Combine(work, "kist.tar");
        (await KistProcess.RunAsync(DockerClient, ["save", "-o", dockerTar, tag])).ShouldSucceed();
        (await KistAsync(kistRoot, "save", "-o", kistTar, tag)).ShouldSucceed();
        var dockerImage = await SavedImage.FlattenAsync(dockerTar, Path.Combine(work, "docker"));
        var kistImage = await SavedImage.FlattenAsync(kistTar, Path.Combine(work, "kist"));
        var differences = TreeSnapshot.Compare(TreeSnapshot.Take(dockerImage.Rootfs), TreeSnapshot.Take(kistImage.Rootfs))
            .Concat(ConfigComparison.Compare(dockerImage.Config, kistImage.Config)).ToList();
        var history = ConfigComparison.CompareHistory(dockerImage.Config, kistImage.Config).ToList();
        Directory.Delete(work, recursive: true);
        return new ParityResult(differences, history);
    }

    private static string Tail(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join("\n", lines.Skip(Math.Max(0, lines.Length - 12)));
    }
}
