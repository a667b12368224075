namespace Kist.Cli.Tests.EndToEnd.Registries;

/// <summary>dockerd's per-registry CAs: <c>/etc/docker/certs.d/HOST/ca.crt</c>, read on every pull and push (no restart).</summary>
public static class DockerCertificates
{
    public const string Root = "/etc/docker/certs.d";

    /// <summary>Installs the CA for <paramref name="host"/>; returns the folder to pass to <see cref="Remove"/>.</summary>
    public static string Install(string host, string caCertificatePath)
    {
        string dir = Path.Combine(Root, host);
        try
        {
            Directory.CreateDirectory(dir);
            File.Copy(caCertificatePath, Path.Combine(dir, "ca.crt"), overwrite: true);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidOperationException($"cannot write {dir}: the registry tests run as root (CI does)", e);
        }
        return dir;
    }

    public static void Remove(string? dir)
    {
        if (dir is null) return;
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
