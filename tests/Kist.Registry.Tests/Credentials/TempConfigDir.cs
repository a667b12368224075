namespace Kist.Registry.Tests.Credentials;

/// <summary>A private docker config folder (not created: the store must create it), removed afterwards.</summary>
public sealed class TempConfigDir : IDisposable
{
    private readonly string _parent = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"kist-dockercfg-{Guid.NewGuid():N}");

    public TempConfigDir() => Directory.CreateDirectory(_parent);

    public string Path => System.IO.Path.Combine(_parent, "docker");
    public string ConfigFile => System.IO.Path.Combine(Path, "config.json");

    public void Write(string json)
    {
        Directory.CreateDirectory(Path);
        File.WriteAllText(ConfigFile, json);
    }

    public string Read() => File.ReadAllText(ConfigFile);

    public void Dispose()
    {
        try { Directory.Delete(_parent, recursive: true); } catch (IOException) { }
    }
}
