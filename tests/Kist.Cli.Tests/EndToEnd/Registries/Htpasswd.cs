namespace Kist.Cli.Tests.EndToEnd.Registries;

/// <summary>htpasswd lines from apache2-utils' <c>htpasswd -Bbn</c> (bcrypt), which both registries read.</summary>
public static class Htpasswd
{
    public static async Task<string> LineAsync(string user, string password)
    {
        var result = (await KistProcess.ToolAsync("htpasswd", "-Bbn", user, password)).ShouldSucceed();
        return result.Stdout.Trim() + "\n";
    }
}
