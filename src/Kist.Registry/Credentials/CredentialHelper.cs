using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Kist.Registry.Credentials;

/// <summary>
/// A <c>docker-credential-NAME</c> program, spoken to as docker does (docker-credential-helpers' protocol):
/// <c>get</c> and <c>erase</c> read the server URL on standard input, <c>store</c> reads
/// <c>{"ServerURL","Username","Secret"}</c>; <c>get</c> answers with the same JSON. A failing program prints its
/// error on standard output and exits non-zero; "credentials not found in native keychain" means no credential.
/// </summary>
public sealed class CredentialHelper(string name)
{
    /// <summary>The message every helper prints when it has no credential for a server.</summary>
    public const string NotFoundMessage = "credentials not found in native keychain";

    /// <summary>The user name helpers store in place of a real one when the secret is an identity token.</summary>
    public const string TokenUsername = "<token>";

    public string Name { get; } = name;
    public string Program => "docker-credential-" + Name;

    /// <summary>Chosen because the platform has it and the config names no store (docker then writes it as <c>credsStore</c>).</summary>
    public bool IsDetectedDefault { get; init; }

    /// <summary>The credential for <paramref name="serverUrl"/>, or null when the helper has none.</summary>
    public async ValueTask<RegistryCredential?> GetAsync(string serverUrl, CancellationToken cancellationToken = default)
    {
        var (exitCode, output) = await RunAsync("get", serverUrl, cancellationToken);
        if (exitCode != 0)
        {
            if (IsNotFound(output)) return null;
            throw Failure("get", exitCode, output);
        }
        HelperCredential? answer;
        try
        {
            answer = JsonSerializer.Deserialize(output, CredentialJsonContext.Default.HelperCredential);
        }
        catch (JsonException e)
        {
            throw new CredentialHelperException($"{Program} get: unreadable answer: {e.Message}", e);
        }
        string username = answer?.Username ?? "", secret = answer?.Secret ?? "";
        if (username.Length == 0 && secret.Length == 0) return null;
        return username == TokenUsername ? new RegistryCredential("", "", secret) : new RegistryCredential(username, secret);
    }

    /// <summary>Stores the credential; an identity token is stored with the user name <c>&lt;token&gt;</c>, as docker does.</summary>
    public async ValueTask StoreAsync(string serverUrl, RegistryCredential credential, CancellationToken cancellationToken = default)
    {
        var message = credential.IdentityToken is { Length: > 0 } token
            ? new HelperCredential(serverUrl, TokenUsername, token)
            : new HelperCredential(serverUrl, credential.Username, credential.Secret);
        string json = JsonSerializer.Serialize(message, CredentialJsonContext.Default.HelperCredential) + "\n";
        var (exitCode, output) = await RunAsync("store", json, cancellationToken);
        if (exitCode != 0) throw Failure("store", exitCode, output);
    }

    /// <summary>Removes the credential; false when the helper had none.</summary>
    public async ValueTask<bool> EraseAsync(string serverUrl, CancellationToken cancellationToken = default)
    {
        var (exitCode, output) = await RunAsync("erase", serverUrl, cancellationToken);
        if (exitCode == 0) return true;
        if (IsNotFound(output)) return false;
        throw Failure("erase", exitCode, output);
    }

    private static bool IsNotFound(string output) => output.Trim().Contains(NotFoundMessage, StringComparison.OrdinalIgnoreCase);

    private CredentialHelperException Failure(string action, int exitCode, string output)
    {
        string detail = output.Trim();
        if (detail.Length > 500) detail = detail[..500] + "...";
        return new CredentialHelperException($"{Program} {action} failed (exit code {exitCode}){(detail.Length > 0 ? ": " + detail : "")}");
    }

    private async ValueTask<(int ExitCode, string Output)> RunAsync(string action, string input, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false, // a helper may prompt or explain on the terminal (pass, gpg)
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = new UTF8Encoding(false),
        };
        info.ArgumentList.Add(action);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new CredentialHelperException($"cannot start {Program}");
        }
        catch (Win32Exception e)
        {
            throw new CredentialHelperException($"credential helper {Program} not found in PATH (from \"{Name}\" in the docker config)", e);
        }
        using (process)
        {
            try
            {
                var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
                try
                {
                    await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The helper exited without reading its input: its exit code and output say why.
                }
                string output = await stdout;
                await process.WaitForExitAsync(cancellationToken);
                return (process.ExitCode, output);
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                throw;
            }
        }
    }
}
