using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Kist.Registry.Server.Auth;

/// <summary>
/// An Apache htpasswd file with bcrypt hashes (<c>htpasswd -B</c>), re-read when it changes. Successful checks are
/// remembered by a hash of the password so that a client sending basic auth on every request costs one bcrypt, not many.
/// </summary>
public sealed class Htpasswd(string path)
{
    private readonly Lock _lock = new();
    private Dictionary<string, string> _users = new(StringComparer.Ordinal);
    private DateTime _loaded = DateTime.MinValue;
    private readonly ConcurrentDictionary<string, (string Hash, byte[] Secret)> _verified = new(StringComparer.Ordinal);

    public bool Verify(string user, string password)
    {
        var users = Current();
        if (!users.TryGetValue(user, out var hash)) return false;
        byte[] secret = SHA256.HashData(Encoding.UTF8.GetBytes(user + "\0" + password));
        if (_verified.TryGetValue(user, out var known) && known.Hash == hash && CryptographicOperations.FixedTimeEquals(known.Secret, secret)) return true;
        if (!hash.StartsWith("$2", StringComparison.Ordinal)) return false; // only bcrypt is accepted
        bool ok;
        try { ok = BCrypt.Net.BCrypt.Verify(password, hash); }
        catch (BCrypt.Net.SaltParseException) { ok = false; }
        if (ok) _verified[user] = (hash, secret);
        return ok;
    }

    private Dictionary<string, string> Current()
    {
        var stamp = File.GetLastWriteTimeUtc(path);
        lock (_lock)
        {
            if (stamp == _loaded) return _users;
            var users = new Dictionary<string, string>(StringComparer.Ordinal);
            try
            {
                foreach (var raw in File.ReadAllLines(path))
                {
                    var line = raw.Trim();
                    if (line.Length == 0 || line.StartsWith('#')) continue;
                    int colon = line.IndexOf(':');
                    if (colon > 0) users[line[..colon]] = line[(colon + 1)..];
                }
            }
            catch (FileNotFoundException) { }
            _users = users;
            _loaded = stamp;
            _verified.Clear();
            return users;
        }
    }
}
