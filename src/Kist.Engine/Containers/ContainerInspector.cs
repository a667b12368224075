using System.Text.Json;
using Kist.Engine.Images;
using Kist.Oci;
using Kist.Runtime.Json;
using Kist.Runtime.State;

namespace Kist.Engine.Containers;

/// <summary>Writes containers in the shape of docker's container inspect API.</summary>
public static class ContainerInspector
{
    public static byte[] ToJson(IEnumerable<ContainerView> containers, Func<string, string> logPath, Func<string, string> bundleDirectory)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, OciDocuments.WriterOptions with { Indented = true, IndentSize = 4 }))
        {
            writer.WriteStartArray();
            foreach (var c in containers) Write(writer, c, logPath(c.Record.Id), bundleDirectory(c.Record.Id));
            writer.WriteEndArray();
        }
        return buffer.ToArray();
    }

    private static void Write(Utf8JsonWriter w, ContainerView view, string logPath, string bundleDirectory)
    {
        var (r, s) = (view.Record, view.State);
        w.WriteStartObject();
        w.WriteString("Id", r.Id);
        w.WriteString("Created", ImageInspector.FormatTime(r.Created));
        w.WriteString("Path", r.Path);
        w.WriteStrings("Args", r.Args);
        w.WriteStartObject("State");
        w.WriteString("Status", s.Status);
        w.WriteBoolean("Running", s.Running);
        w.WriteBoolean("Paused", false);
        w.WriteBoolean("Restarting", false);
        w.WriteBoolean("OOMKilled", s.OOMKilled);
        w.WriteBoolean("Dead", false);
        w.WriteNumber("Pid", s.Running ? s.Pid : 0);
        w.WriteNumber("ExitCode", s.ExitCode);
        w.WriteString("Error", s.Error);
        w.WriteString("StartedAt", s.StartedAt is { } started ? ImageInspector.FormatTime(started) : "0001-01-01T00:00:00Z");
        w.WriteString("FinishedAt", s.FinishedAt is { } finished ? ImageInspector.FormatTime(finished) : "0001-01-01T00:00:00Z");
        w.WriteEndObject();
        w.WriteString("Image", r.Image);
        w.WriteString("ResolvConfPath", Path.Combine(bundleDirectory, "resolv.conf"));
        w.WriteString("HostnamePath", Path.Combine(bundleDirectory, "hostname"));
        w.WriteString("HostsPath", Path.Combine(bundleDirectory, "hosts"));
        w.WriteString("LogPath", logPath);
        w.WriteString("Name", "/" + r.Name);
        w.WriteNumber("RestartCount", 0);
        w.WriteString("Driver", "overlay");
        w.WriteString("Platform", "linux");

        var h = r.HostConfig;
        w.WriteStartObject("HostConfig");
        w.WriteStrings("Binds", h.Binds);
        w.WriteString("NetworkMode", h.NetworkMode);
        w.WriteStartObject("PortBindings");
        foreach (var group in h.PortBindings.GroupBy(p => $"{p.ContainerPort}/{p.Protocol}"))
        {
            w.WriteStartArray(group.Key);
            foreach (var p in group)
            {
                w.WriteStartObject();
                w.WriteString("HostIp", p.HostIp);
                w.WriteString("HostPort", p.HostPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
        w.WriteBoolean("AutoRemove", h.AutoRemove);
        w.WriteStrings("CapAdd", h.CapAdd);
        w.WriteStrings("CapDrop", h.CapDrop);
        w.WriteBoolean("Privileged", h.Privileged);
        w.WriteBoolean("ReadonlyRootfs", h.ReadonlyRootfs);
        w.WriteStrings("SecurityOpt", h.SecurityOpt);
        w.WriteStartObject("Tmpfs");
        foreach (var (k, v) in h.Tmpfs) w.WriteString(k, v);
        w.WriteEndObject();
        w.WriteString("Runtime", h.Runtime);
        w.WriteBoolean("Init", h.Init);
        w.WriteNumber("Memory", h.Memory);
        w.WriteNumber("NanoCpus", h.NanoCpus);
        if (h.PidsLimit is { } pids) w.WriteNumber("PidsLimit", pids); else w.WriteNull("PidsLimit");
        w.WriteNumber("ShmSize", h.ShmSize > 0 ? h.ShmSize : 64 * 1024 * 1024);
        w.WriteStartArray("Ulimits");
        foreach (var u in h.Ulimits)
        {
            w.WriteStartObject();
            w.WriteString("Name", u.Name);
            w.WriteNumber("Hard", u.Hard);
            w.WriteNumber("Soft", u.Soft);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteStartArray("Mounts");
        foreach (var m in r.Mounts)
        {
            w.WriteStartObject();
            w.WriteString("Type", m.Type);
            if (m.Name is not null) w.WriteString("Name", m.Name);
            w.WriteString("Source", m.Source);
            w.WriteString("Destination", m.Destination);
            w.WriteString("Mode", m.ReadOnly ? "ro" : "");
            w.WriteBoolean("RW", !m.ReadOnly);
            w.WriteString("Propagation", m.Type == "bind" ? "rprivate" : "");
            w.WriteEndObject();
        }
        w.WriteEndArray();

        var c = r.Config;
        w.WriteStartObject("Config");
        w.WriteString("Hostname", c.Hostname);
        w.WriteString("Domainname", c.Domainname);
        w.WriteString("User", c.User);
        w.WriteBoolean("AttachStdin", false);
        w.WriteBoolean("Tty", c.Tty);
        w.WriteBoolean("OpenStdin", c.OpenStdin);
        w.WriteStartObject("ExposedPorts");
        foreach (var p in c.ExposedPorts) { w.WriteStartObject(p); w.WriteEndObject(); }
        w.WriteEndObject();
        w.WriteStrings("Env", c.Env);
        w.WriteStrings("Cmd", c.Cmd);
        w.WriteString("Image", r.ImageName);
        w.WriteString("WorkingDir", c.WorkingDir);
        if (c.Entrypoint.Count > 0) w.WriteStrings("Entrypoint", c.Entrypoint); else w.WriteNull("Entrypoint");
        w.WriteStartObject("Labels");
        foreach (var (k, v) in c.Labels) w.WriteString(k, v);
        w.WriteEndObject();
        if (c.StopSignal.Length > 0) w.WriteString("StopSignal", c.StopSignal);
        if (c.StopTimeout is { } timeout) w.WriteNumber("StopTimeout", timeout);
        w.WriteEndObject();

        var n = s.Running ? s.Network : null;
        w.WriteStartObject("NetworkSettings");
        w.WriteString("Gateway", n?.Gateway ?? "");
        w.WriteString("IPAddress", n?.IPAddress ?? "");
        w.WriteNumber("IPPrefixLen", n?.PrefixLength ?? 0);
        w.WriteString("MacAddress", n?.MacAddress ?? "");
        w.WriteString("SandboxKey", n?.NetnsPath ?? "");
        w.WriteStartObject("Ports");
        foreach (var group in h.PortBindings.GroupBy(p => $"{p.ContainerPort}/{p.Protocol}"))
        {
            w.WriteStartArray(group.Key);
            foreach (var p in group)
            {
                w.WriteStartObject();
                w.WriteString("HostIp", p.HostIp.Length > 0 ? p.HostIp : "0.0.0.0");
                w.WriteString("HostPort", p.HostPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
        w.WriteStartObject("Networks");
        if (h.NetworkMode is "bridge" or "host" or "none")
        {
            w.WriteStartObject(h.NetworkMode);
            w.WriteString("Gateway", n?.Gateway ?? "");
            w.WriteString("IPAddress", n?.IPAddress ?? "");
            w.WriteNumber("IPPrefixLen", n?.PrefixLength ?? 0);
            w.WriteString("MacAddress", n?.MacAddress ?? "");
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
