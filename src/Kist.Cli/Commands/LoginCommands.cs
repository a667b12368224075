using System.CommandLine;
using System.Text;
using Kist.Engine.Distribution;
using Kist.Oci;
using Kist.Registry;
using Kist.Registry.Credentials;

namespace Kist.Cli.Commands;

/// <summary><c>kist login</c> and <c>kist logout</c>: credentials checked against the registry, kept in docker's config.json.</summary>
internal static class LoginCommands
{
    public static Command Login()
    {
        var username = new Option<string?>("--username", "-u") { Description = "Username" };
        var password = new Option<string?>("--password", "-p") { Description = "Password or Personal Access Token (PAT)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Take the Password or Personal Access Token (PAT) from stdin" };
        var server = new Argument<string?>("SERVER") { Arity = ArgumentArity.ZeroOrOne };
        var registry = new RegistryOptions();
        var command = new Command("login", "Authenticate to a registry (Docker Hub when no server is given)") { username, password, passwordStdin, server };
        registry.AddTo(command);
        return command.WithAction(async (result, cancellationToken) =>
        {
            var service = new LoginService(registry.Read(result));
            string? host = result.GetValue(server);
            string? user = result.GetValue(username), secret = result.GetValue(password);
            if (result.GetValue(passwordStdin))
            {
                if (secret is not null) throw new InvalidInputException("--password and --password-stdin are mutually exclusive");
                if (user is null) throw new InvalidInputException("Must provide --username with --password-stdin");
                secret = (await Console.In.ReadToEndAsync(cancellationToken)).TrimEnd('\n', '\r');
            }
            else if (secret is not null)
            {
                Cli.Error.WriteLine("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
            }
            if (user is null && secret is null && await service.StoredAsync(host, cancellationToken) is { } stored)
            {
                Cli.Out.WriteLine("Authenticating with existing credentials...");
                await service.LoginAsync(host, stored, cancellationToken);
                Cli.Out.WriteLine("Login Succeeded");
                return 0;
            }
            if (user is null || secret is null)
            {
                if (Console.IsInputRedirected) throw new InvalidInputException("Cannot perform an interactive login from a non TTY device");
                if (user is null)
                {
                    Cli.Out.Write("Username: ");
                    user = Console.ReadLine()?.Trim();
                }
                secret ??= ReadHidden("Password: ");
            }
            if (string.IsNullOrEmpty(user)) throw new InvalidInputException("Username is required");
            if (string.IsNullOrEmpty(secret)) throw new InvalidInputException("Password is required");
            await service.LoginAsync(host, new RegistryCredential(user, secret), cancellationToken);
            Cli.Out.WriteLine("Login Succeeded");
            return 0;
        });
    }

    public static Command Logout()
    {
        var server = new Argument<string?>("SERVER") { Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("logout", "Log out from a registry (Docker Hub when no server is given)") { server };
        return command.WithAction(async (result, cancellationToken) =>
        {
            string name = LoginService.ServerName(result.GetValue(server));
            string shown = name == RegistryHosts.DockerHub ? RegistryHosts.DockerHubConfigKey : name;
            if (await new LoginService(new DistributionOptions()).LogoutAsync(name, cancellationToken))
            {
                Cli.Out.WriteLine("Removing login credentials for " + shown);
            }
            else
            {
                Cli.Out.WriteLine("Not logged in to " + shown);
            }
            return 0;
        });
    }

    private static string ReadHidden(string prompt)
    {
        Cli.Out.Write(prompt);
        Cli.Out.Flush();
        var secret = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (secret.Length > 0) secret.Length--; }
            else secret.Append(key.KeyChar);
        }
        Cli.Out.WriteLine();
        return secret.ToString();
    }
}
