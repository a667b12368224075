namespace Kist.Dockerfile.Evaluation;

/// <summary>An <c>os/arch[/variant]</c> platform as the automatic platform ARGs describe it.</summary>
public sealed record PlatformSpec(string Os, string Architecture, string? Variant)
{
    public static readonly PlatformSpec LinuxAmd64 = new("linux", "amd64", null);

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";

    /// <summary>Parses <c>linux/arm64/v8</c>, <c>linux/amd64</c>; a lone os or arch is completed like containerd does.</summary>
    public static PlatformSpec Parse(string s)
    {
        var parts = s.Trim().ToLowerInvariant().Split('/');
        if (parts.Length is < 1 or > 3 || parts.Any(p => p.Length == 0))
            throw new DockerfileException($"invalid platform \"{s}\": expected os/arch[/variant]");
        if (parts.Length == 1)
        {
            return parts[0] is "linux" or "windows" or "darwin" or "freebsd"
                ? new PlatformSpec(parts[0], HostArchitecture(), null)
                : new PlatformSpec("linux", NormalizeArch(parts[0]), null);
        }
        var arch = NormalizeArch(parts[1]);
        var variant = parts.Length == 3 ? parts[2] : null;
        if (arch == "arm64" && variant == "v8") variant = null;
        if (parts[1] is "aarch64" && variant is null) variant = null;
        return new PlatformSpec(parts[0], arch, variant);
    }

    private static string NormalizeArch(string a) => a switch
    {
        "x86_64" or "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" or "i686" => "386",
        "armhf" => "arm",
        _ => a,
    };

    /// <summary>The platform of the machine running Kist.</summary>
    public static PlatformSpec Host()
    {
        var arch = HostArchitecture();
        var os = OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "darwin" : "linux";
        return new PlatformSpec(os, arch, arch == "arm" ? "v7" : null);
    }

    private static string HostArchitecture() => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
        System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
        System.Runtime.InteropServices.Architecture.LoongArch64 => "loong64",
        _ => "amd64",
    };
}

/// <summary>The ARGs BuildKit defines without a declaration.</summary>
public static class PredefinedArgs
{
    /// <summary>Proxy ARGs: usable in RUN without an ARG line, excluded from the image history.</summary>
    public static readonly IReadOnlyList<string> Proxy =
        ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"];

    /// <summary>The automatic platform ARGs, in scope for FROM (and, once declared with ARG, inside a stage).</summary>
    public static readonly IReadOnlyList<string> Platform =
        ["BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT", "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "TARGETSTAGE"];

    /// <summary>Values of the automatic platform ARGs.</summary>
    public static Dictionary<string, string> PlatformValues(PlatformSpec target, PlatformSpec build)
    {
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["BUILDPLATFORM"] = build.ToString(),
            ["BUILDOS"] = build.Os,
            ["BUILDARCH"] = build.Architecture,
            ["BUILDVARIANT"] = build.Variant ?? "",
            ["TARGETPLATFORM"] = target.ToString(),
            ["TARGETOS"] = target.Os,
            ["TARGETARCH"] = target.Architecture,
            ["TARGETVARIANT"] = target.Variant ?? "",
        };
    }
}
