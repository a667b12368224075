using System.Security.Cryptography;
using System.Text;
using Kist.Build.Copy;
using Kist.Content;
using Kist.Dockerfile.Instructions;
using Kist.Oci;
using Kist.Runtime.Spec;

namespace Kist.Build.Execution;

/// <summary>
/// RUN --mount, as BuildKit provides them: <c>bind</c> (context, stage or image; read-only, or a private writable
/// copy), <c>cache</c> (a directory kept in the store across builds, per id, with its sharing mode), <c>tmpfs</c> and
/// <c>secret</c> (a file or an environment variable, never in a layer nor in the history).
/// </summary>
public sealed class RunMounts : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _releases = [];
    private readonly List<IDisposable> _locks = [];
    private readonly List<string> _temporary = [];

    public List<SpecMount> Mounts { get; } = [];
    /// <summary>Variables to add to the process (secrets with <c>env=</c>).</summary>
    public List<string> Env { get; } = [];
    /// <summary>What the mounts add to the step's cache key (bind sources' contents; cache, tmpfs and secrets add only their place).</summary>
    public List<string> KeyParts { get; } = [];

    public static async Task<RunMounts> PrepareAsync(BuildEnvironment env, IReadOnlyList<RunMount> mounts, IMountSources sources, string workingDir,
        CancellationToken cancellationToken)
    {
        var result = new RunMounts();
        try
        {
            foreach (var m in mounts) await result.AddAsync(env, m, sources, workingDir, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await result.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return result;
    }

    private static string Absolute(string target, string workingDir) =>
        StageBuilder.NormalizeWorkdir(workingDir, target);

    private async Task AddAsync(BuildEnvironment env, RunMount m, IMountSources sources, string workingDir, CancellationToken cancellationToken)
    {
        switch (m.Type)
        {
            case MountType.Bind:
            {
                var source = await sources.OpenAsync(m.From, cancellationToken).ConfigureAwait(false);
                if (source.Release is not null) _releases.Add(source.Release);
                string inside = StageBuilder.NormalizeWorkdir("/", m.Source ?? "/");
                string path = inside == "/" ? source.Root : Path.Combine(source.Root, inside.TrimStart('/'));
                var resolved = new FileInfo(path).LinkTarget is null ? path : throw new InvalidInputException($"bind mount source {inside} is a symlink");
                if (!File.Exists(resolved) && !Directory.Exists(resolved))
                    throw new NotFoundException($"failed to compute cache key: \"{inside}\" not found");
                string content = source.Key;
                if (m.From is null)
                {
                    // The context's files count by content, as a COPY of them would.
                    await using var plan = await CopyPlanner.PlanAsync(new CopyRequest
                    {
                        From = new CopySourceTree(source.Root, source.IsIncluded), Sources = [inside], Destination = "/mnt/",
                    }, null, cancellationToken).ConfigureAwait(false);
                    content = plan.Checksum;
                }
                if (!m.ReadOnly)
                {
                    // Writes go to a private copy, dropped after the step.
                    string copy = env.NewDirectory("bind");
                    _temporary.Add(copy);
                    if (Directory.Exists(resolved))
                    {
                        Snapshots.TreeCopier.CopyContents(resolved, copy);
                        resolved = copy;
                    }
                    else
                    {
                        string file = Path.Combine(copy, "file");
                        File.Copy(resolved, file);
                        resolved = file;
                    }
                }
                Mounts.Add(new SpecMount { Destination = Absolute(m.Target!, workingDir), Type = "bind", Source = resolved, Options = ["rbind", m.ReadOnly ? "ro" : "rw"] });
                KeyParts.Add($"bind {Absolute(m.Target!, workingDir)} {m.From} {inside} {m.ReadOnly} {content}");
                break;
            }
            case MountType.Cache:
            {
                string id = m.Id ?? Absolute(m.Target!, workingDir);
                string dir = Path.Combine(CacheMountsDirectory(env.Layout), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..32]);
                if (!Directory.Exists(dir))
                {
                    string temp = dir + ".new-" + env.Id;
                    Directory.CreateDirectory(temp);
                    File.SetUnixFileMode(temp, (UnixFileMode)(m.Mode ?? Convert.ToUInt32("755", 8)));
                    if ((m.Uid ?? 0) != 0 || (m.Gid ?? 0) != 0)
                        Layers.Native.Libc.FchownAt(Layers.Native.Libc.AT_FDCWD, temp, (int)(m.Uid ?? 0), (int)(m.Gid ?? 0), 0);
                    try { Directory.Move(temp, dir); } catch (IOException) { Directory.Delete(temp); }
                }
                // locked: one build at a time; private is taken as locked (a private copy per user is not kept).
                if (m.Sharing is CacheSharing.Locked or CacheSharing.Private) _locks.Add(FileLock.Exclusive(dir + ".lock"));
                Mounts.Add(new SpecMount { Destination = Absolute(m.Target!, workingDir), Type = "bind", Source = dir, Options = ["rbind", m.ReadOnly ? "ro" : "rw"] });
                KeyParts.Add($"cache {Absolute(m.Target!, workingDir)} {id} {m.ReadOnly}");
                break;
            }
            case MountType.Tmpfs:
            {
                var options = new List<string> { "nosuid", "nodev" };
                if (m.Size is { } size) options.Add("size=" + size);
                Mounts.Add(new SpecMount { Destination = Absolute(m.Target!, workingDir), Type = "tmpfs", Source = "tmpfs", Options = options });
                KeyParts.Add($"tmpfs {Absolute(m.Target!, workingDir)} {m.Size}");
                break;
            }
            case MountType.Secret:
                AddSecret(env, m, workingDir);
                break;
            default:
                throw new InvalidInputException($"RUN --mount=type={RunMount.Name(m.Type)} is not supported");
        }
    }

    private void AddSecret(BuildEnvironment env, RunMount m, string workingDir)
    {
        string id = m.Id ?? m.Source ?? Path.GetFileName(m.Target!.TrimEnd('/'));
        if (!env.Options.Secrets.TryGetValue(id, out var secret))
        {
            if (m.Required) throw new NotFoundException($"secret {id}: not found");
            return;
        }
        byte[] value = secret.SourceFile is { } file ? File.ReadAllBytes(file)
            : Encoding.UTF8.GetBytes(Environment.GetEnvironmentVariable(secret.EnvironmentVariable!) ?? "");
        if (m.Env is { Length: > 0 } name)
        {
            Env.Add(name + "=" + Encoding.UTF8.GetString(value));
            if (m.Target is null) return;
        }
        string dir = env.NewDirectory("secret");
        _temporary.Add(dir);
        string path = Path.Combine(dir, "secret");
        File.WriteAllBytes(path, value);
        File.SetUnixFileMode(path, (UnixFileMode)(m.Mode ?? Convert.ToUInt32("400", 8)));
        if ((m.Uid ?? 0) != 0 || (m.Gid ?? 0) != 0) Layers.Native.Libc.FchownAt(Layers.Native.Libc.AT_FDCWD, path, (int)(m.Uid ?? 0), (int)(m.Gid ?? 0), 0);
        string target = m.Target is null ? "/run/secrets/" + id : Absolute(m.Target, workingDir);
        Mounts.Add(new SpecMount { Destination = target, Type = "bind", Source = path, Options = ["rbind", "ro"] });
    }

    /// <summary>Where cache mounts live: <c>ROOT/buildcache-mounts</c>, removed by <c>kist builder prune</c>.</summary>
    public static string CacheMountsDirectory(StoreLayout layout) => Path.Combine(layout.Root, "buildcache-mounts");

    public async ValueTask DisposeAsync()
    {
        foreach (var l in _locks) l.Dispose();
        foreach (var r in _releases) await r.DisposeAsync().ConfigureAwait(false);
        foreach (var dir in _temporary)
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
