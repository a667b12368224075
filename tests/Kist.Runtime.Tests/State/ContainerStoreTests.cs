using System.Text.Json;
using Kist.Oci;
using Kist.Runtime.State;

namespace Kist.Runtime.Tests.State;

public sealed class ContainerStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kist-store").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    private static ContainerRecord Record(string id, string name) => new()
    {
        Id = id, Name = name, Created = DateTimeOffset.UtcNow, Image = "sha256:x", ImageName = "img", Path = "true", Args = [],
        Config = new ContainerSettings { Hostname = id[..12] }, HostConfig = new HostSettings(), Mounts = [], SnapshotKey = "k", ChainId = "c",
    };

    [Fact]
    public void Containers_are_found_by_id_name_and_unique_prefix()
    {
        var store = new ContainerStore(_root);
        string a = "abc" + new string('1', 61), b = "abd" + new string('2', 61);
        store.Create(Record(a, "first"));
        store.Create(Record(b, "second"));
        Assert.Equal(a, store.Find(a).Id);
        Assert.Equal(b, store.Find("second").Id);
        Assert.Equal(b, store.Find("/second").Id);
        Assert.Equal(a, store.Find("abc").Id);
        Assert.Throws<ConflictException>(() => store.Find("ab"));
        Assert.Throws<NotFoundException>(() => store.Find("zzz"));
        Assert.Throws<ConflictException>(() => store.Create(Record(new string('3', 64), "first")));
    }

    [Fact]
    public void A_name_is_held_by_its_container_until_it_is_deleted()
    {
        var store = new ContainerStore(_root);
        var first = Record(new string('a', 64), "web");
        store.Create(first);
        Assert.Equal("../" + first.Id, new FileInfo(Path.Combine(store.Root, ".names", "web")).LinkTarget);
        Assert.Throws<ConflictException>(() => store.Create(Record(new string('b', 64), "web")));
        store.Delete(first);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(store.Root, ".names")));
        var second = Record(new string('b', 64), "web");
        store.Create(second);
        Assert.Equal(second.Id, store.Find("web").Id);

        // A link left by a crash (its container gone) does not hold the name.
        Directory.Delete(store.Directory(second.Id), recursive: true);
        Assert.Throws<NotFoundException>(() => store.Find("web"));
        store.Create(Record(new string('c', 64), "web"));
        Assert.Equal(new string('c', 64), store.Find("web").Id);
    }

    [Fact]
    public void A_removal_that_could_not_delete_the_directory_is_finished_by_the_next()
    {
        var store = new ContainerStore(_root);
        var record = Record(new string('d', 64), "half");
        store.Create(record);
        // As a removal leaves it when a file is made in the directory while it is deleted: renamed, not deleted.
        string trash = Path.Combine(store.Root, ".removing-" + record.Id);
        Directory.Move(store.Directory(record.Id), trash);
        File.WriteAllText(Path.Combine(trash, record.Id + "-json.log"), "{}\n");
        store.Delete(record);
        Assert.False(Directory.Exists(trash));
        store.Delete(record); // and nothing left to do is no error
    }

    [Fact]
    public void The_directories_of_removals_killed_midway_are_deleted_and_containers_kept()
    {
        var store = new ContainerStore(_root);
        var kept = Record(new string('e', 64), "kept");
        var killed = Record(new string('f', 64), "killed");
        store.Create(kept);
        store.Create(killed);
        // As a removal killed between moving the directory aside and deleting it leaves it.
        string trash = Path.Combine(store.Root, ".removing-" + killed.Id);
        Directory.Move(store.Directory(killed.Id), trash);
        store.DeleteUnfinishedRemovals();
        Assert.False(Directory.Exists(trash));
        Assert.Equal([kept.Id], store.List().Select(r => r.Id));
    }

    [Fact]
    public void A_generated_name_is_one_no_container_holds()
    {
        var store = new ContainerStore(_root);
        string taken = store.GenerateFreeName(new Random(7))!;
        store.Create(Record(new string('a', 64), taken));
        // The same draws again: the first is taken, so docker's second try, a name with a digit, is chosen.
        string next = store.GenerateFreeName(new Random(7))!;
        Assert.NotEqual(taken, next);
        Assert.Matches("^[a-z]+_[a-z]+[0-9]$", next);
    }

    [Fact]
    public void A_removed_container_leaves_its_exit_code_only_for_a_waiter()
    {
        var store = new ContainerStore(_root);
        var unwatched = Record(new string('1', 64), "unwatched");
        store.Create(unwatched);
        store.Delete(unwatched, exitCode: 3);
        Assert.Null(store.ReadLastExitCode(unwatched.Id));
        Assert.Empty(Directory.GetFiles(store.Root, ".exit-*"));

        var watched = Record(new string('2', 64), "watched");
        store.Create(watched);
        File.WriteAllText(store.StateFile(watched.Id), "{\"Status\":\"exited\",\"ExitCode\":7}");
        using (store.MarkWaiter(watched.Id))
        {
            store.Delete(watched); // as rm does: the code from the state it had
            Assert.Equal(7, store.ReadLastExitCode(watched.Id));
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(store.Root, ".waiting")));
    }

    [Fact]
    public void A_container_removed_before_its_exit_code_is_known_stays_for_a_waiter_and_hands_the_code_on()
    {
        var store = new ContainerStore(_root);
        var unwatched = Record(new string('4', 64), "early");
        store.Create(unwatched);
        Assert.True(store.DeleteUnlessAwaited(unwatched));
        Assert.False(Directory.Exists(store.Directory(unwatched.Id)));
        Assert.Throws<NotFoundException>(() => store.Find("early"));
        // A waiter that marks itself after the removal (it then finds no container) learns the code once it is known.
        using (store.MarkWaiter(unwatched.Id))
        {
            store.NotifyWaiters(unwatched.Id, 5);
            Assert.Equal(5, store.ReadLastExitCode(unwatched.Id));
        }

        var watched = Record(new string('5', 64), "watched-early");
        store.Create(watched);
        using (store.MarkWaiter(watched.Id))
        {
            Assert.False(store.DeleteUnlessAwaited(watched));
            Assert.Equal(watched.Id, store.Find("watched-early").Id);
            store.Delete(watched, exitCode: 6);
            Assert.Equal(6, store.ReadLastExitCode(watched.Id));
        }
    }

    [Fact]
    public void A_root_without_a_name_index_gets_one_from_its_records()
    {
        var store = new ContainerStore(_root);
        var old = Record(new string('d', 64), "old");
        store.Create(old);
        Directory.Delete(Path.Combine(store.Root, ".names"), recursive: true); // as an older kist left the root
        Assert.Equal(old.Id, store.Find("old").Id);
        Assert.Throws<ConflictException>(() => store.Create(Record(new string('e', 64), "old")));
        Assert.Equal("../" + old.Id, new FileInfo(Path.Combine(store.Root, ".names", "old")).LinkTarget);
    }

    [Fact]
    public void State_is_written_atomically_and_deleted_with_the_container()
    {
        var store = new ContainerStore(_root);
        string id = new string('4', 64);
        var record = Record(id, "x");
        store.Create(record);
        Assert.Equal(ContainerStatus.Created, store.ReadState(id).Status);
        using (store.Lock(id)) store.WriteState(id, new ContainerState { Status = ContainerStatus.Exited, ExitCode = 3 });
        Assert.Equal(3, store.ReadState(id).ExitCode);
        Assert.Empty(Directory.GetFiles(store.Directory(id), "*.tmp-*"));
        store.Delete(record);
        Assert.Empty(store.List());
        Assert.Throws<NotFoundException>(() => store.ReadState(id));
    }

    [Fact]
    public async Task A_container_is_created_with_its_record_alone_and_locked_through_its_directory()
    {
        var store = new ContainerStore(_root);
        string id = new string('5', 64);
        store.Create(Record(id, "y"));
        Assert.Equal(["container.json"], Directory.GetFileSystemEntries(store.Directory(id)).Select(Path.GetFileName));
        Assert.Equal(ContainerStatus.Created, store.ReadState(id).Status);

        var held = store.Lock(id);
        var second = Task.Run(() => store.Lock(id));
        Assert.NotSame(second, await Task.WhenAny(second, Task.Delay(300)));
        held.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        Assert.Equal(["container.json"], Directory.GetFileSystemEntries(store.Directory(id)).Select(Path.GetFileName));
        Assert.Throws<NotFoundException>(() => store.Lock(new string('6', 64)));
    }

    [Fact]
    public void The_state_writer_writes_what_the_serializer_writes_byte_for_byte()
    {
        var full = Record(new string('7', 64), "z") with
        {
            Args = ["-c", "echo \"hi\" <&> + é 😀"],
            Mounts =
            [
                new MountSpec { Type = "bind", Source = "/src", Destination = "/dst", Options = ["ro"] },
                new MountSpec { Type = "volume", Source = "/v", Destination = "/data", Name = "vol", ReadOnly = true },
            ],
            Config = new ContainerSettings
            {
                Hostname = "h", Domainname = "d", User = "1:2", Tty = true, OpenStdin = true, Env = ["A=1"], Cmd = ["c"], Entrypoint = ["e"],
                WorkingDir = "/w", Labels = new Dictionary<string, string> { ["l"] = "v", ["ü"] = "" }, StopSignal = "SIGINT", StopTimeout = 3,
                ExposedPorts = ["80/tcp"],
            },
            HostConfig = new HostSettings
            {
                Binds = ["/a:/b:ro"], Tmpfs = new Dictionary<string, string> { ["/run"] = "size=1m" }, NetworkMode = "host",
                PortBindings = [new Kist.Runtime.Networking.PortMapping(8080, 80), new Kist.Runtime.Networking.PortMapping(53, 53, "udp", "127.0.0.1")],
                Memory = 1 << 20, NanoCpus = 5, PidsLimit = 5, CapAdd = ["NET_ADMIN"], CapDrop = ["ALL"], Privileged = true, ReadonlyRootfs = true,
                Init = true, AutoRemove = true, Runtime = "crun", SecurityOpt = ["no-new-privileges"], ShmSize = 7, Ulimits = [new Ulimit("nofile", 10, 20)],
            },
        };
        var states = new[]
        {
            new ContainerState(),
            new ContainerState
            {
                Status = ContainerStatus.Running, Pid = 42, StartedAt = DateTimeOffset.UnixEpoch, Monitor = ProcessIdentity.Current,
                Network = new NetworkInfo("bridge", "10.0.0.2", 24, "10.0.0.1", null, "/run/netns/x"),
            },
            new ContainerState
            {
                Status = ContainerStatus.Exited, ExitCode = 137, Error = "died \"x\"\n", OOMKilled = true, RestartRequested = true,
                StartedAt = new DateTimeOffset(2026, 11, 28, 1, 2, 3, TimeSpan.FromHours(1)).AddTicks(1234567), FinishedAt = DateTimeOffset.UnixEpoch,
                Network = new NetworkInfo("none", null, 0, null, null, null),
            },
        };
        foreach (var record in new[] { Record(new string('6', 64), "y"), full })
            Assert.Equal(SerializerReference.Serialize(record, StateJson.Default.ContainerRecord), System.Text.Encoding.UTF8.GetString(StateDocumentWriter.Record(record)));
        foreach (var state in states)
            Assert.Equal(SerializerReference.Serialize(state, StateJson.Default.ContainerState), System.Text.Encoding.UTF8.GetString(StateDocumentWriter.State(state)));
    }

    [Fact]
    public void A_dead_process_is_not_alive_and_this_one_is()
    {
        Assert.True(ProcessIdentity.Current.IsAlive());
        Assert.False((ProcessIdentity.Current with { StartTime = ProcessIdentity.Current.StartTime + 1 }).IsAlive());
        Assert.False(new ProcessIdentity(int.MaxValue - 1, 1).IsAlive());
    }
}
