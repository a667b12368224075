using System.Text.Json;
using Kist.Runtime.Json;
using Kist.Runtime.Networking;

namespace Kist.Runtime.State;

/// <summary>
/// Writes container.json and state.json with <see cref="Utf8JsonWriter"/>, byte for byte as the serializer writes them
/// with <see cref="StateJson"/> (which still reads the record; the tests compare the two). Every container start writes
/// both, and the serializer would cost it ~0.7 ms of CPU for its options and metadata.
/// </summary>
public static class StateDocumentWriter
{
    public static byte[] Record(ContainerRecord r) => Utf8JsonWriterExtensions.Document(r, static (w, r) =>
    {
        w.WriteOptionalString("Id", r.Id);
        w.WriteOptionalString("Name", r.Name);
        w.WriteString("Created", r.Created);
        w.WriteOptionalString("Image", r.Image);
        w.WriteOptionalString("ImageName", r.ImageName);
        w.WriteOptionalString("Path", r.Path);
        w.WriteStrings("Args", r.Args);
        w.WriteStartObject("Config");
        Settings(w, r.Config);
        w.WriteEndObject();
        w.WriteStartObject("HostConfig");
        HostSettings(w, r.HostConfig);
        w.WriteEndObject();
        w.WriteArray("Mounts", r.Mounts, Mount);
        w.WriteOptionalString("SnapshotKey", r.SnapshotKey);
        w.WriteOptionalString("ChainId", r.ChainId);
    });

    public static byte[] State(ContainerState s) => Utf8JsonWriterExtensions.Document(s, static (w, s) =>
    {
        w.WriteOptionalString("Status", s.Status);
        w.WriteNumber("Pid", s.Pid);
        w.WriteNumber("ExitCode", s.ExitCode);
        w.WriteOptionalString("Error", s.Error);
        w.WriteBoolean("OOMKilled", s.OOMKilled);
        if (s.StartedAt is { } started) w.WriteString("StartedAt", started);
        if (s.FinishedAt is { } finished) w.WriteString("FinishedAt", finished);
        if (s.Monitor is { } monitor)
        {
            w.WriteStartObject("Monitor");
            w.WriteNumber("Pid", monitor.Pid);
            w.WriteNumber("StartTime", monitor.StartTime);
            w.WriteEndObject();
        }
        if (s.Network is { } network) Network(w, network);
        w.WriteBoolean("RestartRequested", s.RestartRequested);
        w.WriteBoolean("Running", s.Running);
    });

    private static void Settings(Utf8JsonWriter w, ContainerSettings c)
    {
        w.WriteOptionalString("Hostname", c.Hostname);
        w.WriteOptionalString("Domainname", c.Domainname);
        w.WriteOptionalString("User", c.User);
        w.WriteBoolean("Tty", c.Tty);
        w.WriteBoolean("OpenStdin", c.OpenStdin);
        w.WriteStrings("Env", c.Env);
        w.WriteStrings("Cmd", c.Cmd);
        w.WriteStrings("Entrypoint", c.Entrypoint);
        w.WriteOptionalString("WorkingDir", c.WorkingDir);
        w.WriteMap("Labels", c.Labels);
        w.WriteOptionalString("StopSignal", c.StopSignal);
        w.WriteOptionalNumber("StopTimeout", c.StopTimeout);
        w.WriteStrings("ExposedPorts", c.ExposedPorts);
    }

    private static void HostSettings(Utf8JsonWriter w, HostSettings h)
    {
        w.WriteStrings("Binds", h.Binds);
        w.WriteMap("Tmpfs", h.Tmpfs);
        w.WriteOptionalString("NetworkMode", h.NetworkMode);
        w.WriteArray("PortBindings", h.PortBindings, static (w, p) =>
        {
            w.WriteStartObject();
            w.WriteNumber("HostPort", p.HostPort);
            w.WriteNumber("ContainerPort", p.ContainerPort);
            w.WriteOptionalString("Protocol", p.Protocol);
            w.WriteOptionalString("HostIp", p.HostIp);
            w.WriteEndObject();
        });
        w.WriteNumber("Memory", h.Memory);
        w.WriteNumber("NanoCpus", h.NanoCpus);
        w.WriteOptionalNumber("PidsLimit", h.PidsLimit);
        w.WriteStrings("CapAdd", h.CapAdd);
        w.WriteStrings("CapDrop", h.CapDrop);
        w.WriteBoolean("Privileged", h.Privileged);
        w.WriteBoolean("ReadonlyRootfs", h.ReadonlyRootfs);
        w.WriteBoolean("Init", h.Init);
        w.WriteBoolean("AutoRemove", h.AutoRemove);
        w.WriteOptionalString("Runtime", h.Runtime);
        w.WriteStrings("SecurityOpt", h.SecurityOpt);
        w.WriteNumber("ShmSize", h.ShmSize);
        w.WriteArray("Ulimits", h.Ulimits, static (w, u) =>
        {
            w.WriteStartObject();
            w.WriteOptionalString("Name", u.Name);
            w.WriteNumber("Hard", u.Hard);
            w.WriteNumber("Soft", u.Soft);
            w.WriteEndObject();
        });
    }

    private static void Mount(Utf8JsonWriter w, MountSpec m)
    {
        w.WriteStartObject();
        w.WriteOptionalString("Type", m.Type);
        w.WriteOptionalString("Source", m.Source);
        w.WriteOptionalString("Destination", m.Destination);
        w.WriteOptionalString("Name", m.Name);
        w.WriteBoolean("ReadOnly", m.ReadOnly);
        w.WriteStrings("Options", m.Options);
        w.WriteEndObject();
    }

    private static void Network(Utf8JsonWriter w, NetworkInfo n)
    {
        w.WriteStartObject("Network");
        w.WriteOptionalString("Mode", n.Mode);
        w.WriteOptionalString("IPAddress", n.IPAddress);
        w.WriteNumber("PrefixLength", n.PrefixLength);
        w.WriteOptionalString("Gateway", n.Gateway);
        w.WriteOptionalString("MacAddress", n.MacAddress);
        w.WriteOptionalString("NetnsPath", n.NetnsPath);
        w.WriteEndObject();
    }
}
