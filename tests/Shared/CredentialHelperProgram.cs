namespace Kist.TestSupport;

/// <summary>
/// A real credential helper for docker and kist alike, <c>docker-credential-kisttest</c>: a shell script speaking
/// docker-credential-helpers' protocol over one file per server URL, in a private folder put on PATH (inherited by
/// docker and kist child processes) once per test process. Every call is logged; URLs containing "helper-fails" fail
/// on purpose. One source file, linked into the test projects that need it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class CredentialHelperProgram
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
          list)
            printf '{'; sep=''
            for f in "$store"/*; do [ -f "$f" ] || continue; printf '%s%s' "$sep" "$(jq -c '{(.ServerURL): .Username}' "$f" | sed 's/^{//; s/}$//')"; sep=','; done
            printf '}\n'
            ;;
          *) echo "unknown action $1"; exit 1 ;;
        esac
        """;

    private static readonly Lazy<string> Installed = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The folder of the script, its store and its call log; on PATH from the first use on.</summary>
    public static string Directory => Installed.Value;

    public static string CallLog => Path.Combine(Directory, "calls.log");

    /// <summary>The logged calls (action, then standard input) that mention <paramref name="marker"/>.</summary>
    public static IReadOnlyList<string> CallsMentioning(string marker) =>
        File.Exists(CallLog) ? File.ReadAllLines(CallLog).Where(l => l.Contains(marker, StringComparison.Ordinal)).ToList() : [];

    /// <summary>Whether the helper holds a secret for <paramref name="serverUrl"/> (any file naming it).</summary>
    public static bool Holds(string serverUrl)
    {
        string store = Path.Combine(Directory, "store");
        return System.IO.Directory.Exists(store)
            && System.IO.Directory.EnumerateFiles(store).Any(f => File.ReadAllText(f).Contains($"\"ServerURL\":\"{serverUrl}\"", StringComparison.Ordinal));
    }

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
