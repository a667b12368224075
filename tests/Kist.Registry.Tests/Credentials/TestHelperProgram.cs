namespace Kist.Registry.Tests.Credentials;

/// <summary>
/// A real credential helper, <c>docker-credential-kisttest</c>: a shell script in a private folder put on PATH once for
/// the test process. It keeps one file per server URL, logs every call, and fails on purpose for URLs containing
/// "helper-fails".
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class TestHelperProgram
{
    public const string Name = "kisttest";

    private const string Script = """
        #!/bin/sh
        # docker-credential-kisttest: docker-credential-helpers' protocol over files, for Kist's tests.
        here="$(cd "$(dirname "$0")" && pwd)"
        store="$here/store"
        mkdir -p "$store"
        input="$(cat)"
        printf '%s %s\n' "$1" "$input" >> "$here/calls.log"
        case "$1" in
          store)
            url="$(printf '%s' "$input" | jq -r .ServerURL)"
            case "$url" in *helper-fails*) echo "kisttest: the keychain is locked"; exit 1 ;; esac
            key="$(printf '%s' "$url" | sha256sum | cut -c1-64)"
            printf '%s' "$input" | jq -c '{ServerURL, Username, Secret}' > "$store/$key"
            ;;
          get)
            case "$input" in *helper-fails*) echo "kisttest: the keychain is locked"; exit 1 ;; esac
            key="$(printf '%s' "$input" | sha256sum | cut -c1-64)"
            if [ -f "$store/$key" ]; then cat "$store/$key"; else echo "credentials not found in native keychain"; exit 1; fi
            ;;
          erase)
            key="$(printf '%s' "$input" | sha256sum | cut -c1-64)"
            if [ -f "$store/$key" ]; then rm -f "$store/$key"; else echo "credentials not found in native keychain"; exit 1; fi
            ;;
          *) echo "unknown action $1"; exit 1 ;;
        esac
        """;

    private static readonly Lazy<string> Installed = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The folder holding the script (and its store and call log); on PATH from the first call on.</summary>
    public static string Directory => Installed.Value;

    public static string CallLog => Path.Combine(Directory, "calls.log");

    /// <summary>The calls the helper saw (action and standard input) that mention <paramref name="marker"/>.</summary>
    public static IReadOnlyList<string> CallsMentioning(string marker) =>
        File.Exists(CallLog) ? File.ReadAllLines(CallLog).Where(l => l.Contains(marker, StringComparison.Ordinal)).ToList() : [];

    private static string Install()
    {
        foreach (var tool in new[] { "jq", "sha256sum" })
        {
            if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool))))
                throw new InvalidOperationException($"{tool} is missing: run scripts/setup.sh");
        }
        string dir = Path.Combine(Path.GetTempPath(), $"kist-credhelper-{Environment.ProcessId}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(dir);
        string program = Path.Combine(dir, "docker-credential-" + Name);
        File.WriteAllText(program, Script.Replace("\r\n", "\n") + "\n");
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Environment.SetEnvironmentVariable("PATH", dir + ":" + Environment.GetEnvironmentVariable("PATH"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(dir, recursive: true); } catch (IOException) { }
        };
        return dir;
    }
}
