using System.Diagnostics;
using Kist.Runtime.Networking;
using Xunit.Abstractions;

namespace Kist.Runtime.Tests.Networking;

public sealed class NetworkNamespaceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Create_MakesAnIpNetnsCompatibleNamespace_WithItsOwnInterfaces_AndDeleteRemovesIt()
    {
        string name = "kist-test-" + Guid.NewGuid().ToString("N")[..12];
        string path = NetworkNamespace.Create(name);
        try
        {
            Assert.Equal("/run/netns/" + name, path);
            var links = await FakeContainer.RunAsync(["ip", "netns", "exec", name, "ip", "-o", "link"]);
            Assert.Equal(0, links.ExitCode);
            Assert.Equal(["lo"], links.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':')[1].Trim()));
            // This process stayed in the host's namespace.
            Assert.Contains("eth0", File.ReadAllText("/proc/self/net/dev"));
        }
        finally
        {
            NetworkNamespace.Delete(path);
        }
        Assert.False(File.Exists(path));
        NetworkNamespace.Delete(path);
    }

    [Fact]
    public async Task InProcessCreation_ComparedWithIpNetnsAdd()
    {
        const int count = 20;
        var inProcess = Stopwatch.StartNew();
        for (int i = 0; i < count; i++) NetworkNamespace.Delete(NetworkNamespace.Create($"kist-bench-{i}"));
        inProcess.Stop();
        var ip = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(0, (await FakeContainer.RunAsync(["ip", "netns", "add", $"kist-bench-{i}"])).ExitCode);
            Assert.Equal(0, (await FakeContainer.RunAsync(["ip", "netns", "del", $"kist-bench-{i}"])).ExitCode);
        }
        ip.Stop();
        output.WriteLine($"create+delete: in-process {inProcess.Elapsed.TotalMilliseconds / count:F2} ms, ip netns {ip.Elapsed.TotalMilliseconds / count:F2} ms");
        Assert.Empty(Directory.EnumerateFiles(NetworkNamespace.Directory, "kist-bench-*"));
    }
}
