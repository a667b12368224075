using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace Kist.Oci;

/// <summary>An OCI platform (os/architecture[/variant]), normalized as containerd normalizes it.</summary>
public sealed record Platform
{
    [JsonPropertyName("architecture")] public required string Architecture { get; init; }
    [JsonPropertyName("os")] public required string Os { get; init; }
    [JsonPropertyName("os.version")] public string? OsVersion { get; init; }
    [JsonPropertyName("os.features")] public IReadOnlyList<string>? OsFeatures { get; init; }
    [JsonPropertyName("variant")] public string? Variant { get; init; }

    /// <summary>The platform this process runs on.</summary>
    public static Platform Host { get; } = Normalize(new Platform
    {
        Os = "linux",
        Architecture = RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "amd64",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            System.Runtime.InteropServices.Architecture.Arm => "arm",
            System.Runtime.InteropServices.Architecture.X86 => "386",
            System.Runtime.InteropServices.Architecture.S390x => "s390x",
            System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
            System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
            System.Runtime.InteropServices.Architecture.LoongArch64 => "loong64",
            var other => other.ToString().ToLowerInvariant(),
        },
    });

    /// <summary>Parses <c>os[/arch[/variant]]</c> or a bare architecture, as <c>--platform</c> takes it.</summary>
    public static Platform Parse(string value)
    {
        var parts = value.Trim().ToLowerInvariant().Split('/');
        if (parts.Length is < 1 or > 3 || parts.Any(p => p.Length == 0 || !p.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
        {
            throw new InvalidInputException($"invalid platform \"{value}\": expected os/arch[/variant]");
        }
        Platform platform = parts.Length switch
        {
            1 when parts[0] is "linux" or "windows" or "darwin" or "freebsd" => Host with { Os = parts[0] },
            1 => new Platform { Os = "linux", Architecture = parts[0] },
            2 => new Platform { Os = parts[0], Architecture = parts[1] },
            _ => new Platform { Os = parts[0], Architecture = parts[1], Variant = parts[2] },
        };
        return Normalize(platform);
    }

    public static Platform Normalize(Platform p)
    {
        string arch = p.Architecture.ToLowerInvariant();
        string? variant = p.Variant?.ToLowerInvariant();
        switch (arch)
        {
            case "i386": arch = "386"; variant = null; break;
            case "x86_64" or "x86-64" or "amd64":
                arch = "amd64";
                if (variant == "v1") variant = null;
                break;
            case "aarch64" or "arm64":
                arch = "arm64";
                if (variant is "8" or "v8") variant = null;
                break;
            case "armhf": arch = "arm"; variant = "v7"; break;
            case "armel": arch = "arm"; variant = "v6"; break;
            case "arm":
                variant = variant switch { null or "" or "7" => "v7", "5" or "6" or "8" => "v" + variant, _ => variant };
                break;
        }
        return p with { Os = p.Os.ToLowerInvariant(), Architecture = arch, Variant = string.IsNullOrEmpty(variant) ? null : variant };
    }

    /// <summary>Whether an image built for <paramref name="candidate"/> runs on this platform.</summary>
    public bool Matches(Platform candidate)
    {
        var want = Normalize(this);
        var have = Normalize(candidate);
        return want.Os == have.Os && want.Architecture == have.Architecture
            && (want.Variant is null || want.Variant == have.Variant);
    }

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";
}
