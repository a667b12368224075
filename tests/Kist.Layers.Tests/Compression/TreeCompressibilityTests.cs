using Kist.Layers.Compression;

namespace Kist.Layers.Tests.Compression;

public sealed class TreeCompressibilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kist-tree-compress-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Random(string name, int size, int seed = 1)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        Write(name, bytes);
    }

    private void Text(string name, int size)
    {
        var bytes = new byte[size];
        for (int i = 0; i < size; i++) bytes[i] = (byte)"lorem ipsum dolor\n"[i % 18];
        Write(name, bytes);
    }

    private void Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    private Oci.Compression Choose() => TreeCompressibility.Choose(_dir, Oci.Compression.Gzip);

    [Fact]
    public void A_tree_of_random_data_is_stored_plain()
    {
        Random("big.bin", 3 << 20);
        Random("sub/deeper/more.bin", 1 << 20, seed: 2);
        Text("etc/notes.txt", 10_000); // under 10% of the bytes
        Assert.Equal(Oci.Compression.None, Choose());
    }

    [Fact]
    public void A_tree_of_text_keeps_gzip() => AssertGzipFor(() => Text("usr/share/doc.txt", 4 << 20));

    [Fact]
    public void A_mixed_tree_keeps_gzip() => AssertGzipFor(() => { Random("a.bin", 2 << 20); Text("b.txt", 2 << 20); });

    [Fact]
    public void A_small_tree_keeps_gzip() => AssertGzipFor(() => Random("small.bin", 512 << 10));

    [Fact]
    public void Random_data_in_small_files_is_not_sampled_and_keeps_gzip() =>
        AssertGzipFor(() => { for (int i = 0; i < 20; i++) Random($"f{i}.bin", 100_000, seed: i); });

    [Fact]
    public void A_symlink_to_random_data_outside_the_tree_is_not_followed()
    {
        string outside = Path.Combine(Path.GetTempPath(), $"kist-outside-{Guid.NewGuid():N}.bin");
        var bytes = new byte[4 << 20];
        new Random(3).NextBytes(bytes);
        File.WriteAllBytes(outside, bytes);
        try
        {
            File.CreateSymbolicLink(Path.Combine(_dir, "link.bin"), outside);
            Text("t.txt", 2 << 20);
            Assert.Equal(Oci.Compression.Gzip, Choose());
        }
        finally { File.Delete(outside); }
    }

    [Fact]
    public void Zstd_or_none_asked_for_are_kept_when_the_data_compresses()
    {
        Text("t.txt", 2 << 20);
        Assert.Equal(Oci.Compression.Zstd, TreeCompressibility.Choose(_dir, Oci.Compression.Zstd));
        Random("r.bin", 40 << 20);
        Assert.Equal(Oci.Compression.None, TreeCompressibility.Choose(_dir, Oci.Compression.None));
    }

    private void AssertGzipFor(Action make)
    {
        make();
        Assert.Equal(Oci.Compression.Gzip, Choose());
    }
}
