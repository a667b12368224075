using Kist.Oci;

namespace Kist.Build;

/// <summary><c>--secret id=ID[,type=file|env][,src=PATH|,env=VAR]</c>, as buildx parses it.</summary>
public static class BuildSecrets
{
    public static Dictionary<string, BuildSecret> Parse(IEnumerable<string> values)
    {
        var secrets = new Dictionary<string, BuildSecret>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            string? id = null, src = null, env = null, type = null;
            foreach (var field in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = field.IndexOf('=');
                if (eq < 0) throw new InvalidInputException($"invalid secret {value}: {field} is not key=value");
                string k = field[..eq].Trim().ToLowerInvariant(), v = field[(eq + 1)..];
                switch (k)
                {
                    case "id": id = v; break;
                    case "type": type = v; break;
                    case "src" or "source": src = v; break;
                    case "env": env = v; break;
                    default: throw new InvalidInputException($"invalid secret {value}: unexpected key '{k}'");
                }
            }
            if (string.IsNullOrEmpty(id)) throw new InvalidInputException($"invalid secret {value}: no id");
            if (type == "env" && env is null) { env = src ?? id; src = null; }
            if (src is null && env is null)
            {
                if (Environment.GetEnvironmentVariable(id) is not null) env = id;
                else src = id;
            }
            if (src is not null && !File.Exists(src)) throw new InvalidInputException($"failed to stat {src}: no such file or directory");
            secrets[id] = new BuildSecret(id, src is null ? null : Path.GetFullPath(src), env);
        }
        return secrets;
    }
}
