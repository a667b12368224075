using Kist.Layers.Apply;
using Kist.Layers.Diff;

// Drives Kist.Layers for bench/layers/run.sh (not part of Kist.slnx).
switch (args)
{
    case ["apply", var layer, var dir]:
    {
        await using var s = new FileStream(layer, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var r = await LayerApplier.ApplyAsync(s, dir);
        Console.Error.WriteLine($"{r.Entries} entries, diff ID {r.DiffId}");
        return 0;
    }
    case ["create-plain", var dir, var output]:
    {
        await using var o = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var d = await LayerCreator.CreateFromDirectoryAsync(dir, null, o, new LayerCreateOptions { Compression = Kist.Oci.Compression.None });
        Console.Error.WriteLine($"{d.Size} bytes, diff ID {d.DiffId}");
        return 0;
    }
    case ["create", var dir, var output, ..var rest]:
    {
        await using var o = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        int? level = rest is [var l] ? int.Parse(l) : null;
        var d = await LayerCreator.CreateFromDirectoryAsync(dir, null, o, new LayerCreateOptions { Compression = Kist.Oci.Compression.Gzip, Level = level });
        Console.Error.WriteLine($"{d.Size} bytes, digest {d.Digest}, diff ID {d.DiffId}");
        return 0;
    }
    default:
        Console.Error.WriteLine("usage: KistLayersBench apply LAYER DIR | create DIR OUTPUT");
        return 2;
}
