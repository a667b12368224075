using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Kist.Registry.Server.Operations;

/// <summary>Request counts, latencies, bytes and uploads in flight, written in the Prometheus text format.</summary>
public sealed class RegistryMetrics
{
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    private sealed class Histogram
    {
        public readonly long[] Counts = new long[Buckets.Length + 1];
        public long Count;
        public double Sum;
    }

    private readonly ConcurrentDictionary<(string Method, string Route, int Status), long> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _latency = new();
    private long _bytesReceived, _bytesSent, _uploadsInProgress, _requestsInProgress;

    public long UploadsInProgress => Interlocked.Read(ref _uploadsInProgress);
    public long RequestsInProgress => Interlocked.Read(ref _requestsInProgress);

    public void RequestStarted() => Interlocked.Increment(ref _requestsInProgress);

    public void RequestFinished(string method, string route, int status, TimeSpan duration, long bytesIn, long bytesOut)
    {
        Interlocked.Decrement(ref _requestsInProgress);
        _requests.AddOrUpdate((method, route, status), 1, (_, v) => v + 1);
        Interlocked.Add(ref _bytesReceived, bytesIn);
        Interlocked.Add(ref _bytesSent, bytesOut);
        var h = _latency.GetOrAdd(route, _ => new Histogram());
        double seconds = duration.TotalSeconds;
        int bucket = 0;
        while (bucket < Buckets.Length && seconds > Buckets[bucket]) bucket++;
        lock (h)
        {
            h.Counts[bucket]++;
            h.Count++;
            h.Sum += seconds;
        }
    }

    public void UploadStarted() => Interlocked.Increment(ref _uploadsInProgress);

    public void UploadFinished() => Interlocked.Decrement(ref _uploadsInProgress);

    public string Render()
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append("# HELP kist_registry_http_requests_total HTTP requests served.\n# TYPE kist_registry_http_requests_total counter\n");
        foreach (var ((method, route, status), value) in _requests.OrderBy(p => p.Key.Route).ThenBy(p => p.Key.Method).ThenBy(p => p.Key.Status))
            sb.Append(inv, $"kist_registry_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {value}\n");
        sb.Append("# HELP kist_registry_http_request_duration_seconds Request latency.\n# TYPE kist_registry_http_request_duration_seconds histogram\n");
        foreach (var (route, h) in _latency.OrderBy(p => p.Key))
        {
            lock (h)
            {
                long cumulative = 0;
                for (int i = 0; i < Buckets.Length; i++)
                {
                    cumulative += h.Counts[i];
                    sb.Append(inv, $"kist_registry_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{Buckets[i]}\"}} {cumulative}\n");
                }
                sb.Append(inv, $"kist_registry_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {h.Count}\n");
                sb.Append(inv, $"kist_registry_http_request_duration_seconds_sum{{route=\"{route}\"}} {h.Sum}\n");
                sb.Append(inv, $"kist_registry_http_request_duration_seconds_count{{route=\"{route}\"}} {h.Count}\n");
            }
        }
        sb.Append("# HELP kist_registry_bytes_received_total Request body bytes received.\n# TYPE kist_registry_bytes_received_total counter\n");
        sb.Append(inv, $"kist_registry_bytes_received_total {Interlocked.Read(ref _bytesReceived)}\n");
        sb.Append("# HELP kist_registry_bytes_sent_total Response body bytes sent.\n# TYPE kist_registry_bytes_sent_total counter\n");
        sb.Append(inv, $"kist_registry_bytes_sent_total {Interlocked.Read(ref _bytesSent)}\n");
        sb.Append("# HELP kist_registry_uploads_in_progress Blob upload requests being received.\n# TYPE kist_registry_uploads_in_progress gauge\n");
        sb.Append(inv, $"kist_registry_uploads_in_progress {UploadsInProgress}\n");
        sb.Append("# HELP kist_registry_requests_in_progress Requests being served.\n# TYPE kist_registry_requests_in_progress gauge\n");
        sb.Append(inv, $"kist_registry_requests_in_progress {RequestsInProgress}\n");
        return sb.ToString();
    }
}
