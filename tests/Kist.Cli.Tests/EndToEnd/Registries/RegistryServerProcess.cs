using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kist.Cli.Tests.EndToEnd.Registries;

/// <summary>A registry server child process on 127.0.0.1: started on a free port, ready once <c>/v2/</c> answers, killed on dispose.</summary>
internal sealed class RegistryServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private RegistryServerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The last lines the server printed, for failure messages.</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            if (_log.Length > 64 * 1024) _log.Remove(0, 32 * 1024);
            _log.AppendLine(line);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts <paramref name="program"/> with the arguments <paramref name="prepare"/> makes for a free port (after
    /// writing its config), and waits until <c>/v2/</c> answers anything (401 included). Retries on another port when
    /// the chosen one was taken in between.
    /// </summary>
    public static async Task<(RegistryServerProcess Process, int Port)> StartAsync(
        string program, Func<int, IEnumerable<string>> prepare, string scheme, string? caCertificatePath)
    {
        string lastLog = "";
        for (int attempt = 0; attempt < 3; attempt++)
        {
            int port = FreePort();
            var info = new ProcessStartInfo(program)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var arg in prepare(port)) info.ArgumentList.Add(arg);
            Process process;
            try
            {
                process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException($"{program} is not installed: run .ci/run or scripts/setup.sh first", e);
            }
            var server = new RegistryServerProcess(process);
            if (await server.WaitReadyAsync($"{scheme}://127.0.0.1:{port}/v2/", caCertificatePath)) return (server, port);
            lastLog = server.Log;
            await server.DisposeAsync();
            if (!lastLog.Contains("address already in use", StringComparison.OrdinalIgnoreCase)) break;
        }
        throw new InvalidOperationException($"{program} did not become ready:\n{lastLog}");
    }

    private async Task<bool> WaitReadyAsync(string url, string? caCertificatePath)
    {
        using var http = TestCertificates.CreateHttpClient(caCertificatePath);
        http.Timeout = TimeSpan.FromSeconds(2);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) return false;
            try
            {
                using var response = await http.GetAsync(url);
                return true; // 200 or 401: the registry answers
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(50);
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (InvalidOperationException) { }
        finally
        {
            _process.Dispose();
        }
    }
}
