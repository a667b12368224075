using Kist.Oci;
using Kist.Build.Cache;
using Kist.Build.Cache.Remote;
using Kist.Build.Progress;
using Kist.Content;
using Kist.Runtime.Execution;
using Kist.Snapshots;

namespace Kist.Build.Execution;

/// <summary>The parts of one Kist root a build works with, and its private scratch directory.</summary>
public sealed class BuildEnvironment
{
    public BuildEnvironment(StoreLayout layout, LocalContentStore content, ISnapshotter snapshotter, IBuildProgress progress, BuildOptions options)
    {
        Layout = layout;
        Content = content;
        Snapshotter = snapshotter;
        Progress = progress;
        Options = options;
        Cache = new BuildCache(layout, content);
        Id = RandomHex.Create(6);
        WorkDirectory = Path.Combine(layout.Root, "build", Id);
    }

    public StoreLayout Layout { get; }
    public LocalContentStore Content { get; }
    public ISnapshotter Snapshotter { get; }
    public IBuildProgress Progress { get; }
    public BuildOptions Options { get; }
    public BuildCache Cache { get; }
    /// <summary>The records of <c>--cache-from</c> sources.</summary>
    public CacheImports Imports { get; set; } = CacheImports.Empty;
    /// <summary>Every step result this build made or hit, by key (what <c>--cache-to</c> exports).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, CacheResult> Used { get; } = new(StringComparer.Ordinal);
    /// <summary>This build's ID: names its snapshots, containers and scratch directory.</summary>
    public string Id { get; }
    public string WorkDirectory { get; }

    private OciRuntime? _runtime;
    public OciRuntime Runtime => _runtime ??= OciRuntime.Resolve(Options.Runtime, Layout.Root);

    private HttpClient? _http;
    /// <summary>For ADD of URLs.</summary>
    public HttpClient Http => _http ??= new HttpClient { Timeout = TimeSpan.FromMinutes(10) };

    /// <summary>A new directory under the build's scratch directory.</summary>
    public string NewDirectory(string prefix)
    {
        string dir = Path.Combine(WorkDirectory, prefix + "-" + RandomHex.Create(4));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The history dates: SOURCE_DATE_EPOCH when given, else now.</summary>
    public DateTimeOffset Now() => Options.SourceDateEpoch is { } epoch ? DateTimeOffset.FromUnixTimeSeconds(epoch) : DateTimeOffset.UtcNow;
}
