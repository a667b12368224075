using System.Text.Json;
using Kist.Runtime.Json;

namespace Kist.Runtime.Spec;

/// <summary>
/// Writes config.json and exec's process.json with <see cref="Utf8JsonWriter"/>: every container start writes one, and
/// the serializer would cost it its options and metadata. The tests compare the output byte for byte with the
/// serializer's for the same types; the names are the spec's, as the types' attributes spell them.
/// </summary>
public static class RuntimeSpecWriter
{
    public static byte[] Spec(RuntimeSpec spec) => Utf8JsonWriterExtensions.Document(spec, static (w, s) =>
    {
        w.WriteOptionalString("ociVersion", s.OciVersion);
        w.WriteStartObject("process");
        ProcessProperties(w, s.Process);
        w.WriteEndObject();
        w.WriteStartObject("root");
        w.WriteOptionalString("path", s.Root.Path);
        w.WriteBoolean("readonly", s.Root.Readonly);
        w.WriteEndObject();
        w.WriteOptionalString("hostname", s.Hostname);
        w.WriteArray("mounts", s.Mounts, static (w, m) =>
        {
            w.WriteStartObject();
            w.WriteOptionalString("destination", m.Destination);
            w.WriteOptionalString("type", m.Type);
            w.WriteOptionalString("source", m.Source);
            w.WriteStrings("options", m.Options);
            w.WriteEndObject();
        });
        w.WriteStartObject("linux");
        Linux(w, s.Linux);
        w.WriteEndObject();
    });

    public static byte[] Process(SpecProcess process) => Utf8JsonWriterExtensions.Document(process, ProcessProperties);

    private static void ProcessProperties(Utf8JsonWriter w, SpecProcess p)
    {
        w.WriteBoolean("terminal", p.Terminal);
        w.WriteStartObject("user");
        w.WriteNumber("uid", p.User.Uid);
        w.WriteNumber("gid", p.User.Gid);
        w.WriteArray("additionalGids", p.User.AdditionalGids, static (w, gid) => w.WriteNumberValue(gid));
        w.WriteEndObject();
        w.WriteStrings("args", p.Args);
        w.WriteStrings("env", p.Env);
        w.WriteOptionalString("cwd", p.Cwd);
        if (p.Capabilities is { } caps)
        {
            w.WriteStartObject("capabilities");
            w.WriteStrings("bounding", caps.Bounding);
            w.WriteStrings("effective", caps.Effective);
            w.WriteStrings("permitted", caps.Permitted);
            w.WriteEndObject();
        }
        w.WriteArray("rlimits", p.Rlimits, static (w, r) =>
        {
            w.WriteStartObject();
            w.WriteOptionalString("type", r.Type);
            w.WriteNumber("hard", r.Hard);
            w.WriteNumber("soft", r.Soft);
            w.WriteEndObject();
        });
        w.WriteBoolean("noNewPrivileges", p.NoNewPrivileges);
        w.WriteOptionalNumber("oomScoreAdj", p.OomScoreAdj);
    }

    private static void Linux(Utf8JsonWriter w, SpecLinux l)
    {
        w.WriteArray("namespaces", l.Namespaces, static (w, n) =>
        {
            w.WriteStartObject();
            w.WriteOptionalString("type", n.Type);
            w.WriteOptionalString("path", n.Path);
            w.WriteEndObject();
        });
        if (l.Resources is { } resources) Resources(w, resources);
        w.WriteOptionalString("cgroupsPath", l.CgroupsPath);
        w.WriteStrings("maskedPaths", l.MaskedPaths);
        w.WriteStrings("readonlyPaths", l.ReadonlyPaths);
        w.WriteMap("sysctl", l.Sysctl);
        if (l.Seccomp is { } seccomp)
        {
            w.WriteStartObject("seccomp");
            w.WriteOptionalString("defaultAction", seccomp.DefaultAction);
            w.WriteOptionalNumber("defaultErrnoRet", (long?)seccomp.DefaultErrnoRet);
            w.WriteStrings("architectures", seccomp.Architectures);
            w.WriteArray("syscalls", seccomp.Syscalls, static (w, s) =>
            {
                w.WriteStartObject();
                w.WriteStrings("names", s.Names);
                w.WriteOptionalString("action", s.Action);
                w.WriteOptionalNumber("errnoRet", (long?)s.ErrnoRet);
                w.WriteArray("args", s.Args, static (w, a) =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("index", a.Index);
                    w.WriteNumber("value", a.Value);
                    w.WriteNumber("valueTwo", a.ValueTwo);
                    w.WriteOptionalString("op", a.Op);
                    w.WriteEndObject();
                });
                w.WriteEndObject();
            });
            w.WriteEndObject();
        }
    }

    private static void Resources(Utf8JsonWriter w, SpecResources r)
    {
        w.WriteStartObject("resources");
        w.WriteArray("devices", r.Devices, static (w, d) =>
        {
            w.WriteStartObject();
            w.WriteBoolean("allow", d.Allow);
            w.WriteOptionalString("type", d.Type);
            w.WriteOptionalNumber("major", d.Major);
            w.WriteOptionalNumber("minor", d.Minor);
            w.WriteOptionalString("access", d.Access);
            w.WriteEndObject();
        });
        if (r.Memory is { } memory)
        {
            w.WriteStartObject("memory");
            w.WriteOptionalNumber("limit", memory.Limit);
            w.WriteOptionalNumber("swap", memory.Swap);
            w.WriteEndObject();
        }
        if (r.Cpu is { } cpu)
        {
            w.WriteStartObject("cpu");
            w.WriteOptionalNumber("quota", cpu.Quota);
            w.WriteOptionalNumber("period", cpu.Period);
            w.WriteEndObject();
        }
        if (r.Pids is { } pids)
        {
            w.WriteStartObject("pids");
            w.WriteNumber("limit", pids.Limit);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
