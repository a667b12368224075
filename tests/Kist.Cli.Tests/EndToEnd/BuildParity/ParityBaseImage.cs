using System.Formats.Tar;
using System.Text;

namespace Kist.Cli.Tests.EndToEnd.BuildParity;

/// <summary>
/// The base every case builds FROM, <c>kist-parity/busybox:1</c>: busybox-static with every applet linked, users
/// (root, daemon, app 1000, nobody) and groups for --chown and USER, files for the whiteout case, the /dev, /proc and /sys mount points (as
/// real bases have: BuildKit 0.8 would leave them in a RUN's layer where newer BuildKit and kist do not), no Env (so the
/// default PATH is the builder's) and CMD ["sh"]. Imported into kist, then loaded into docker from <c>kist save</c>
/// so both engines start from the identical image.
/// </summary>
public static class ParityBaseImage
{
    public const string Reference = ParityCase.Repository + "/busybox:1";
    private static readonly DateTimeOffset Mtime = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Imports the base into <paramref name="kistRoot"/> and, unless told otherwise, loads it into docker.</summary>
    public static async Task CreateAsync(string kistRoot, string scratch, bool loadIntoDocker = true)
    {
        string tar = Path.Combine(scratch, "base-rootfs.tar");
        await WriteRootfsAsync(tar);
        (await KistProcess.KistAsync(kistRoot, "import", "-c", "CMD [\"sh\"]", tar, Reference)).ShouldSucceed();
        if (!loadIntoDocker) return;
        string saved = Path.Combine(scratch, "base-image.tar");
        (await KistProcess.KistAsync(kistRoot, "save", "-o", saved, Reference)).ShouldSucceed();
        (await Docker.RunAsync("load", "-i", saved)).ShouldSucceed();
    }

    private static async Task WriteRootfsAsync(string path)
    {
        if (!File.Exists(Rootfs.BusyboxPath)) throw new InvalidOperationException($"{Rootfs.BusyboxPath} is missing: install busybox-static (scripts/setup.sh)");
        var list = await KistProcess.RunAsync(Rootfs.BusyboxPath, ["--list"]);
        list.ShouldSucceed();
        await using var output = File.Create(path);
        await using var tar = new TarWriter(output, TarEntryFormat.Pax);
        foreach (var (dir, mode, owner) in new[]
        {
            ("bin/", "755", 0), ("etc/", "755", 0), ("tmp/", "1777", 0), ("root/", "700", 0), ("home/", "755", 0), ("home/app/", "755", 1000),
            ("dev/", "755", 0), ("proc/", "555", 0), ("sys/", "555", 0), ("usr/", "755", 0), ("usr/bin/", "755", 0), ("var/", "755", 0), ("opt/", "755", 0), ("opt/base/", "755", 0),
            ("opt/base/sub/", "755", 0), ("opt/base/keep/", "755", 0), ("opt/base/dir-to-file/", "755", 0),
        })
        {
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, dir) { Mode = Mode(mode), Uid = owner, Gid = owner, ModificationTime = Mtime });
        }
        await using (var busybox = File.OpenRead(Rootfs.BusyboxPath))
        {
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox") { DataStream = busybox, Mode = Mode("755"), ModificationTime = Mtime });
        }
        foreach (var applet in list.Lines.Select(line => line.Trim()).Where(a => a.Length > 0 && a != "busybox"))
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + applet) { LinkName = "busybox", ModificationTime = Mtime });
        await AddFileAsync(tar, "etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        await AddFileAsync(tar, "etc/group", "root:x:0:\ndaemon:x:1:\nwheel:x:10:app\nstaff:x:50:app\napp:x:1000:\nnogroup:x:65534:\n");
        await AddFileAsync(tar, "etc/motd", "deleted by the whiteouts case\n");
        foreach (var file in new[] { "opt/base/a", "opt/base/sub/one", "opt/base/sub/two", "opt/base/keep/stays", "opt/base/keep/remove-me", "opt/base/dir-to-file/x" })
            await AddFileAsync(tar, file, file + "\n");
    }

    private static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    private static Task AddFileAsync(TarWriter tar, string name, string content) =>
        tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)), Mode = Mode("644"), ModificationTime = Mtime,
        });
}
