namespace Kist.Runtime.Networking;

/// <summary>
/// Named network namespaces in <c>/run/netns</c>, compatible with <c>ip netns</c>. A namespace is made on a dedicated
/// thread (unshare, bind-mount of the thread's namespace onto the name, setns back): no child process, about ten times
/// faster than <c>ip netns add</c>. If that fails (an unusual kernel or sandbox), <c>ip netns add</c> is the fallback.
/// </summary>
public static class NetworkNamespace
{
    public const string Directory = "/run/netns";

    public static string PathOf(string name) => System.IO.Path.Combine(Directory, name);

    /// <summary>Creates the namespace <paramref name="name"/> and returns its path; a leftover of that name is replaced.</summary>
    public static string Create(string name)
    {
        string path = PathOf(name);
        if (File.Exists(path)) Delete(path);
        EnsureSharedDirectory();
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { CreateOnThisThread(path); }
            catch (Exception e) { failure = e; }
        }, 256 * 1024) { IsBackground = true, Name = "kist-netns" };
        thread.Start();
        thread.Join();
        if (failure is null) return path;
        TryDeleteFile(path);
        RunIp(["netns", "add", name]);
        return path;
    }

    /// <summary>Removes the namespace mounted at <paramref name="path"/>; nothing to do when it is gone.</summary>
    public static void Delete(string path)
    {
        if (NetnsNative.Umount2(path, NetnsNative.MNT_DETACH) != 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno is not (NetnsNative.EINVAL or NetnsNative.ENOENT))
            {
                throw new IOException($"unmount network namespace {path}: errno {errno}");
            }
        }
        TryDeleteFile(path);
    }

    public static bool Exists(string name) => File.Exists(PathOf(name));

    private static void CreateOnThisThread(string path)
    {
        using (File.Create(path)) { }
        using var original = File.OpenHandle("/proc/thread-self/ns/net");
        if (NetnsNative.unshare(NetnsNative.CLONE_NEWNET) != 0) throw Errno("unshare(CLONE_NEWNET)");
        try
        {
            if (NetnsNative.Mount("/proc/thread-self/ns/net", path, null, NetnsNative.MS_BIND, null) != 0) throw Errno("bind-mount network namespace");
        }
        finally
        {
            // Back to the host's namespace, whatever happened: the thread may be reused by nothing, but be exact.
            if (NetnsNative.setns((int)original.DangerousGetHandle(), NetnsNative.CLONE_NEWNET) != 0)
            {
                Environment.FailFast("kist: cannot return a thread to the host network namespace");
            }
        }
    }

    /// <summary>As <c>ip netns</c> does: <c>/run/netns</c> is a shared mount so that namespaces mounted later show in every mount namespace.</summary>
    private static void EnsureSharedDirectory()
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (IsMountPoint(Directory)) return;
        if (NetnsNative.Mount("", Directory, "none", NetnsNative.MS_SHARED | NetnsNative.MS_REC, null) == 0) return;
        NetnsNative.Mount(Directory, Directory, "none", NetnsNative.MS_BIND | NetnsNative.MS_REC, null);
        NetnsNative.Mount("", Directory, "none", NetnsNative.MS_SHARED | NetnsNative.MS_REC, null);
    }

    private static bool IsMountPoint(string directory)
    {
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            if (fields.Length > 4 && fields[4] == directory) return true;
        }
        return false;
    }

    private static void TryDeleteFile(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static IOException Errno(string what) =>
        new($"{what}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");

    private static void RunIp(string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("ip") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new Oci.KistException($"ip {string.Join(' ', arguments)}: {error.Trim()}");
    }
}
