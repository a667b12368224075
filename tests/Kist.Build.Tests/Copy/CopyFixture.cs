using Kist.Build.Copy;

namespace Kist.Build.Tests.Copy;

/// <summary>A context tree and a target rootfs, and a one-call COPY between them.</summary>
public sealed class CopyFixture : IDisposable
{
    public TempTree Context { get; } = new("kist-build-ctx-");
    public TempTree Target { get; } = new("kist-build-root-");

    public CopyFixture()
    {
        Target.Dir("etc");
        Target.File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nalice:x:1001:1002:a:/home/alice:/bin/sh\nbob:x:1003:1003::/:/bin/sh\n");
        Target.File("etc/group", "root:x:0:\nstaff:x:1002:\nbob:x:1003:\nwheel:x:1500:\n");
    }

    public CopySourceTree Source(Func<string, bool>? filter = null) => new(Context.Root, filter) { KeepOwnership = false };

    public async Task<string> CopyAsync(CopyRequest request, HttpClient? http = null)
    {
        await using var plan = await CopyPlanner.PlanAsync(request, http);
        await plan.ApplyAsync(Target.Root);
        return plan.Checksum;
    }

    public Task<string> CopyAsync(string dest, params string[] sources) =>
        CopyAsync(new CopyRequest { From = Source(), Sources = sources, Destination = dest });

    public async Task<string> ChecksumAsync(CopyRequest request)
    {
        await using var plan = await CopyPlanner.PlanAsync(request, null);
        return plan.Checksum;
    }

    public void Dispose()
    {
        Context.Dispose();
        Target.Dispose();
    }
}
