using System.Text;
using Kist.Content.Tests.Support;
using Kist.Oci;

namespace Kist.Content.Tests;

public class GarbageCollectorTests
{
    [Fact]
    public async Task Removes_unreferenced_blobs_and_keeps_referenced_ones()
    {
        using var store = new TestStore();
        var kept = await store.AddImageAsync("app", layers: 2, seed: "kept");
        var garbage = await store.Content.PutAsync(Encoding.UTF8.GetBytes("nobody needs me"), "a/b");
        var result = await new GarbageCollector(store.Images).CollectAsync();
        Assert.Equal(garbage.Digest, Assert.Single(result.Removed).Digest);
        Assert.Equal(garbage.Size, result.ReclaimedBytes);
        Assert.False(store.Content.Exists(garbage.Digest));
        foreach (var d in kept.Layers.Select(l => l.Descriptor.Digest).Append(kept.Id).Append(kept.ManifestDescriptor.Digest))
        {
            Assert.True(store.Content.Exists(d), $"{d} was removed");
        }
        var report = await new StoreChecker(store.Images).CheckAsync();
        Assert.Empty(report.Problems);
    }

    [Fact]
    public async Task Unnamed_images_are_kept_and_removed_images_are_collected()
    {
        using var store = new TestStore();
        var unnamed = await store.AddImageAsync(seed: "unnamed");
        store.Images.Update(index => { index.AddUnnamed(unnamed.ManifestDescriptor); return 0; });
        var removed = await store.AddImageAsync("gone", seed: "gone");
        store.Images.Update(index => index.RemoveTarget(removed.ManifestDescriptor.Digest));

        var result = await new GarbageCollector(store.Images).CollectAsync();
        Assert.Equal(3, result.Removed.Count); // manifest, config, layer of the removed image
        Assert.True(store.Content.Exists(unnamed.ManifestDescriptor.Digest));
        Assert.False(store.Content.Exists(removed.Id));
    }

    [Fact]
    public async Task Dry_run_reports_without_deleting()
    {
        using var store = new TestStore();
        await store.AddImageAsync("app");
        var garbage = await store.Content.PutAsync(Encoding.UTF8.GetBytes("garbage"), "a/b");
        var before = store.Snapshot(includeLocks: false);
        var result = await new GarbageCollector(store.Images).CollectAsync(dryRun: true);
        Assert.Single(result.Removed);
        Assert.Equal(before, store.Snapshot(includeLocks: false));
        Assert.True(store.Content.Exists(garbage.Digest));
    }

    [Fact]
    public async Task Children_of_an_index_are_reachable()
    {
        using var store = new TestStore();
        var child = await store.AddImageAsync(seed: "child");
        var index = OciDocuments.Serialize(new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = [child.ManifestDescriptor] }, OciJsonContext.Default.ImageIndex);
        var target = await store.Content.PutAsync(index, MediaTypes.OciIndex);
        store.Images.Update(e => { e.SetReference(ImageReference.Parse("multi"), target); return 0; });
        var reachable = await new GarbageCollector(store.Images).ReachableAsync();
        Assert.Contains(child.Id, reachable);
        Assert.Contains(child.Layers[0].Descriptor.Digest, reachable);
        var result = await new GarbageCollector(store.Images).CollectAsync();
        Assert.Empty(result.Removed);
    }

    [Fact]
    public async Task Abandoned_ingest_files_are_removed()
    {
        using var store = new TestStore();
        File.WriteAllText(Path.Combine(store.Layout.IngestDirectory, "dead-writer"), "half a blob");
        await new GarbageCollector(store.Images).CollectAsync();
        Assert.Empty(store.IngestFiles());
    }

    [Fact]
    public async Task TryCollect_returns_null_while_an_operation_holds_the_gc_lock_shared()
    {
        using var store = new TestStore();
        var garbage = await store.Content.PutAsync(Encoding.UTF8.GetBytes("in flight"), "a/b");
        using (FileLock.Shared(store.Layout.GcLock))
        {
            Assert.Null(await new GarbageCollector(store.Images).TryCollectAsync());
            Assert.True(store.Content.Exists(garbage.Digest));
        }
        var result = await new GarbageCollector(store.Images).TryCollectAsync();
        Assert.NotNull(result);
        Assert.False(store.Content.Exists(garbage.Digest));
    }

    [Fact]
    public async Task Collect_waits_for_the_shared_holder_to_finish()
    {
        using var store = new TestStore();
        await store.Content.PutAsync(Encoding.UTF8.GetBytes("in flight"), "a/b");
        var holder = FileLock.Shared(store.Layout.GcLock);
        try
        {
            var collect = Task.Run(async () => await new GarbageCollector(store.Images).CollectAsync());
            await Task.Delay(300);
            Assert.False(collect.IsCompleted, "collection must wait for the shared lock");
            holder.Dispose();
            var result = await collect.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Single(result.Removed);
        }
        finally
        {
            holder.Dispose();
        }
    }
}
