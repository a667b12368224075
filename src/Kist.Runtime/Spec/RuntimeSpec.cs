using System.Text.Json.Serialization;

namespace Kist.Runtime.Spec;

// The OCI runtime-spec config.json (the subset Kist writes); field names as the spec spells them.

public sealed record RuntimeSpec
{
    [JsonPropertyName("ociVersion")] public string OciVersion { get; init; } = "1.0.2";
    [JsonPropertyName("process")] public required SpecProcess Process { get; init; }
    [JsonPropertyName("root")] public required SpecRoot Root { get; init; }
    [JsonPropertyName("hostname")] public string? Hostname { get; init; }
    [JsonPropertyName("mounts")] public required IReadOnlyList<SpecMount> Mounts { get; init; }
    [JsonPropertyName("linux")] public required SpecLinux Linux { get; init; }
}

public sealed record SpecProcess
{
    [JsonPropertyName("terminal")] public bool Terminal { get; init; }
    [JsonPropertyName("user")] public required SpecUser User { get; init; }
    [JsonPropertyName("args")] public required IReadOnlyList<string> Args { get; init; }
    [JsonPropertyName("env")] public required IReadOnlyList<string> Env { get; init; }
    [JsonPropertyName("cwd")] public required string Cwd { get; init; }
    [JsonPropertyName("capabilities")] public SpecCapabilities? Capabilities { get; init; }
    [JsonPropertyName("rlimits")] public IReadOnlyList<SpecRlimit>? Rlimits { get; init; }
    [JsonPropertyName("noNewPrivileges")] public bool NoNewPrivileges { get; init; }
    [JsonPropertyName("oomScoreAdj")] public int? OomScoreAdj { get; init; }
}

public sealed record SpecUser
{
    [JsonPropertyName("uid")] public uint Uid { get; init; }
    [JsonPropertyName("gid")] public uint Gid { get; init; }
    [JsonPropertyName("additionalGids")] public IReadOnlyList<uint>? AdditionalGids { get; init; }
}

public sealed record SpecCapabilities
{
    [JsonPropertyName("bounding")] public required IReadOnlyList<string> Bounding { get; init; }
    [JsonPropertyName("effective")] public required IReadOnlyList<string> Effective { get; init; }
    [JsonPropertyName("permitted")] public required IReadOnlyList<string> Permitted { get; init; }
}

public sealed record SpecRlimit(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("hard")] ulong Hard,
    [property: JsonPropertyName("soft")] ulong Soft);

public sealed record SpecRoot
{
    [JsonPropertyName("path")] public required string Path { get; init; }
    [JsonPropertyName("readonly")] public bool Readonly { get; init; }
}

public sealed record SpecMount
{
    [JsonPropertyName("destination")] public required string Destination { get; init; }
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("source")] public required string Source { get; init; }
    [JsonPropertyName("options")] public IReadOnlyList<string>? Options { get; init; }
}

public sealed record SpecLinux
{
    [JsonPropertyName("namespaces")] public required IReadOnlyList<SpecNamespace> Namespaces { get; init; }
    [JsonPropertyName("resources")] public SpecResources? Resources { get; init; }
    [JsonPropertyName("cgroupsPath")] public string? CgroupsPath { get; init; }
    [JsonPropertyName("maskedPaths")] public IReadOnlyList<string>? MaskedPaths { get; init; }
    [JsonPropertyName("readonlyPaths")] public IReadOnlyList<string>? ReadonlyPaths { get; init; }
    [JsonPropertyName("sysctl")] public IReadOnlyDictionary<string, string>? Sysctl { get; init; }
    [JsonPropertyName("seccomp")] public SpecSeccomp? Seccomp { get; init; }
}

public sealed record SpecSeccomp
{
    [JsonPropertyName("defaultAction")] public required string DefaultAction { get; init; }
    [JsonPropertyName("defaultErrnoRet")] public uint? DefaultErrnoRet { get; init; }
    [JsonPropertyName("architectures")] public IReadOnlyList<string>? Architectures { get; init; }
    [JsonPropertyName("syscalls")] public IReadOnlyList<SpecSyscall>? Syscalls { get; init; }
}

public sealed record SpecSyscall
{
    [JsonPropertyName("names")] public required IReadOnlyList<string> Names { get; init; }
    [JsonPropertyName("action")] public required string Action { get; init; }
    [JsonPropertyName("errnoRet")] public uint? ErrnoRet { get; init; }
    [JsonPropertyName("args")] public IReadOnlyList<SpecSyscallArg>? Args { get; init; }
}

public sealed record SpecSyscallArg
{
    [JsonPropertyName("index")] public uint Index { get; init; }
    [JsonPropertyName("value")] public ulong Value { get; init; }
    [JsonPropertyName("valueTwo")] public ulong ValueTwo { get; init; }
    [JsonPropertyName("op")] public required string Op { get; init; }
}

public sealed record SpecNamespace
{
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("path")] public string? Path { get; init; }
}

public sealed record SpecResources
{
    [JsonPropertyName("devices")] public IReadOnlyList<SpecDeviceRule>? Devices { get; init; }
    [JsonPropertyName("memory")] public SpecMemory? Memory { get; init; }
    [JsonPropertyName("cpu")] public SpecCpu? Cpu { get; init; }
    [JsonPropertyName("pids")] public SpecPids? Pids { get; init; }
}

public sealed record SpecDeviceRule
{
    [JsonPropertyName("allow")] public bool Allow { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("major")] public long? Major { get; init; }
    [JsonPropertyName("minor")] public long? Minor { get; init; }
    [JsonPropertyName("access")] public string? Access { get; init; }
}

public sealed record SpecMemory
{
    [JsonPropertyName("limit")] public long? Limit { get; init; }
    [JsonPropertyName("swap")] public long? Swap { get; init; }
}

public sealed record SpecCpu
{
    [JsonPropertyName("quota")] public long? Quota { get; init; }
    [JsonPropertyName("period")] public ulong? Period { get; init; }
}

public sealed record SpecPids
{
    [JsonPropertyName("limit")] public long Limit { get; init; }
}
