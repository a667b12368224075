using Kist.Runtime.Bundle;

namespace Kist.Runtime.Tests.Bundle;

/// <summary>Bundles go on a tmpfs, in a directory of the root's that only this user may write in; else in the containers' directories.</summary>
public sealed class BundleLocationTests : IDisposable
{
    private const string Id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private readonly string _root = Directory.CreateTempSubdirectory("kist-bundles-").FullName;
    private readonly string _tmpfs = Directory.CreateDirectory("/dev/shm/kist-test-" + Guid.NewGuid().ToString("N")).FullName;

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_tmpfs, recursive: true);
    }

    private string ContainerDirectory(string id) => Path.Combine(_root, id);

    [Fact]
    public void A_bundle_goes_on_the_tmpfs_and_its_directories_go_when_it_is_removed()
    {
        var bundles = new BundleLocation(_root, ContainerDirectory, [_tmpfs]);
        string dir = bundles.Create(Id);
        Assert.StartsWith(_tmpfs + "/kist-", dir);
        Assert.Equal(dir, bundles.Directory(Id));
        string parent = Path.GetDirectoryName(dir)!;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(parent));
        Assert.Equal(dir, new BundleLocation(_root, ContainerDirectory, [_tmpfs]).Directory(Id)); // the same in another process
        Assert.NotEqual(dir, new BundleLocation(_root + "-other", ContainerDirectory, [_tmpfs]).Create(Id)); // another root's own

        bundles.Remove(Id);
        Assert.False(Directory.Exists(dir));
        Assert.Equal(ContainerDirectory(Id), bundles.Directory(Id)); // a stopped container has no bundle on the tmpfs
        Assert.Single(Directory.GetDirectories(_tmpfs)); // the other root's is still in use
    }

    [Fact]
    public void A_directory_someone_else_made_in_its_place_is_not_written_in()
    {
        var bundles = new BundleLocation(_root, ContainerDirectory, [_tmpfs]);
        string planted = Path.GetDirectoryName(bundles.Create(Id))!;
        bundles.Remove(Id);
        Directory.CreateDirectory(planted);
        File.SetUnixFileMode(planted, (UnixFileMode)0x1FF); // open to all
        Assert.Equal(ContainerDirectory(Id), bundles.Create(Id));
        File.SetUnixFileMode(planted, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using (var chown = System.Diagnostics.Process.Start("chown", ["65534", planted])) chown.WaitForExit();
        Assert.Equal(ContainerDirectory(Id), bundles.Create(Id)); // another user's
        Assert.Equal(ContainerDirectory(Id), bundles.Directory(Id)); // where its files are
        Assert.Empty(Directory.GetFileSystemEntries(planted));
        Directory.Delete(planted);
        File.CreateSymbolicLink(planted, _root); // a link to elsewhere
        Assert.Equal(ContainerDirectory(Id), bundles.Create(Id));
    }

    [Fact]
    public void Without_a_tmpfs_bundles_stay_in_the_containers_directories()
    {
        var bundles = new BundleLocation(_root, ContainerDirectory, [_root]);
        Assert.Equal(ContainerDirectory(Id), bundles.Create(Id));
        bundles.Remove(Id);
        Assert.True(Directory.Exists(ContainerDirectory(Id))); // the container's directory is the store's to remove
    }
}
