namespace Kist.Cli.Tests.EndToEnd;

/// <summary>The real docker engine, which the CI script installs and starts; its absence fails the test.</summary>
public static class Docker
{
    public static async Task<RunResult> RunAsync(params string[] args)
    {
        var result = await KistProcess.ToolAsync("docker", args);
        if (result.ExitCode != 0 && result.Stderr.Contains("Cannot connect to the Docker daemon"))
        {
            throw new InvalidOperationException("dockerd is not running: start it with scripts/setup.sh (CI does)");
        }
        return result;
    }

    /// <summary>
    /// Builds with docker's builder and no cache: a cached step would reuse an intermediate image that another test's
    /// <c>rmi -f</c> of the same base chain may delete mid-build ("unable to find image").
    /// </summary>
    public static Task<RunResult> BuildAsync(string tag, string context) =>
        RunAsync("build", "-q", "--no-cache", "-t", tag, context);

    /// <summary>Removes test images even when the test failed half way.</summary>
    public static async Task RemoveImagesAsync(params string[] references)
    {
        foreach (var reference in references) await KistProcess.RunAsync("docker", ["rmi", "-f", reference]);
    }
}
