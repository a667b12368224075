namespace Kist.Registry.Credentials;

/// <summary>
/// Serializes read-modify-write of <c>config.json</c> between Kist processes (two <c>kist login</c> at once must not
/// lose one login): an exclusive lock on <c>.config.json.lock</c> beside the file. docker does not take it; its
/// writes stay atomic through the rename.
/// </summary>
internal sealed class ConfigLock : IDisposable
{
    private readonly FileStream _stream;

    private ConfigLock(FileStream stream) => _stream = stream;

    public static async ValueTask<ConfigLock> AcquireAsync(string configDirectory, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(configDirectory);
        else Directory.CreateDirectory(configDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string path = Path.Combine(configDirectory, ".config.json.lock");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                return new ConfigLock(new FileStream(path, options));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Another process writes the file right now (.NET takes flock(LOCK_EX|LOCK_NB) for FileShare.None).
                await Task.Delay(20, cancellationToken);
            }
            catch (IOException e)
            {
                throw new Kist.Oci.ConflictException($"{path} stayed locked for 30 s: {e.Message}");
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
