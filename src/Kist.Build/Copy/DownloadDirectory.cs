using Kist.Layers.Native;

namespace Kist.Build.Copy;

/// <summary>A private temp directory for ADD's downloads, created on first use and removed with its plan.</summary>
internal sealed class DownloadDirectory : IDisposable
{
    private string? _path;

    /// <summary>A new empty directory for one download.</summary>
    public string NewSubdirectory()
    {
        _path ??= Directory.CreateTempSubdirectory("kist-add-").FullName;
        return Directory.CreateDirectory(Path.Combine(_path, Guid.NewGuid().ToString("N")[..12])).FullName;
    }

    public void Dispose()
    {
        if (_path is not null && Directory.Exists(_path)) Dirs.RemoveTree(_path);
        _path = null;
    }
}
