using Kist.Snapshots;

namespace Kist.Layers.Tests.Snapshots;

/// <summary>The snapshot table's rewrite: the new version in place, the old one's name removed off the caller's path.</summary>
public sealed class SnapshotStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "kist-snapshot-store-" + Guid.NewGuid().ToString("N"));
    private string Table => Path.Combine(_root, "metadata.json");
    private string Previous => Table + ".previous";

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static Task AddAsync(SnapshotStore store, string key) => store.WithLockAsync(db =>
    {
        db.Snapshots[key] = new SnapshotRecord { Id = db.NextId++, Kind = SnapshotKind.Active, Created = DateTimeOffset.UnixEpoch };
        return 0;
    }, write: true, CancellationToken.None);

    private static Task<List<string>> KeysAsync(SnapshotStore store) =>
        store.WithLockAsync(db => db.Snapshots.Keys.ToList(), write: false, CancellationToken.None);

    [Fact]
    public async Task Rewrites_keep_every_change_and_leave_no_second_name_behind()
    {
        var store = new SnapshotStore(_root);
        for (int i = 0; i < 20; i++) await AddAsync(store, "k" + i);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => "k" + i).Order(StringComparer.Ordinal), await KeysAsync(store));
        for (int i = 0; i < 200 && File.Exists(Previous); i++) await Task.Delay(10);
        Assert.False(File.Exists(Previous), "the old version's second name is removed");
        Assert.Equal(["lock", "metadata.json", "snapshots"], Directory.EnumerateFileSystemEntries(_root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_second_name_left_behind_is_replaced_and_the_table_is_the_new_one()
    {
        var store = new SnapshotStore(_root);
        await AddAsync(store, "first");
        await File.WriteAllTextAsync(Previous, "left by a process killed before it removed it");
        await AddAsync(store, "second");
        Assert.Equal(["first", "second"], await KeysAsync(store));
        for (int i = 0; i < 200 && File.Exists(Previous); i++) await Task.Delay(10);
        Assert.False(File.Exists(Previous));
    }

    [Fact]
    public async Task Stores_sharing_a_root_lose_no_change()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => new SnapshotStore(_root)).ToList();
        await Task.WhenAll(stores.Select((store, s) => Task.Run(async () =>
        {
            for (int i = 0; i < 15; i++) await AddAsync(store, $"s{s}-{i}");
        })));
        Assert.Equal(60, (await KeysAsync(stores[0])).Count);
    }
}
