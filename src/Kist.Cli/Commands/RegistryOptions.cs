using System.CommandLine;
using Kist.Engine.Distribution;

namespace Kist.Cli.Commands;

/// <summary>The options of the commands that talk to registries (pull, push, login).</summary>
internal sealed class RegistryOptions
{
    public readonly Option<bool> TlsVerify = new("--tls-verify")
    {
        Description = "Require HTTPS and verify certificates when talking to the registry (--tls-verify=false to skip)",
        DefaultValueFactory = _ => true,
    };

    public readonly Option<string?> CertDir = new("--cert-dir")
    {
        Description = "Use certificates at DIR (*.crt CAs, *.cert/*.key client pairs) to connect to the registry",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(TlsVerify);
        command.Options.Add(CertDir);
    }

    public DistributionOptions Read(ParseResult result) => new()
    {
        TlsVerify = result.GetValue(TlsVerify),
        CertDirectory = result.GetValue(CertDir),
    };
}
