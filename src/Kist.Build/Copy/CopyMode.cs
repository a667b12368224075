using Kist.Oci;

namespace Kist.Build.Copy;

/// <summary>--chmod: an octal mode (up to 07777).</summary>
internal static class CopyMode
{
    public static uint? Parse(string? chmod)
    {
        if (string.IsNullOrEmpty(chmod)) return null;
        uint mode = 0;
        foreach (var c in chmod)
        {
            if (c is < '0' or > '7' || mode > 0xFFF) throw new InvalidInputException($"invalid chmod parameter: \"{chmod}\"; only octal modes are supported");
            mode = mode * 8 + (uint)(c - '0');
        }
        if (mode > 0xFFF) throw new InvalidInputException($"invalid chmod parameter: \"{chmod}\"");
        return mode;
    }
}
