namespace Kist.Registry.Server.Tests.Support;

/// <summary>Users for auth tests: alice may do everything, bob may only pull, carol only owns <c>carol/*</c>.</summary>
public static class AuthSetup
{
    public const string AlicePassword = "alice-secret", BobPassword = "bob-secret", CarolPassword = "carol-secret";

    public static void Configure(RegistryOptions options, string dir, AuthMode mode, bool useHtpasswdTool = false)
    {
        var file = Path.Combine(dir, "htpasswd");
        if (useHtpasswdTool)
        {
            Tools.RunOkAsync("htpasswd", ["-Bbc", file, "alice", AlicePassword]).GetAwaiter().GetResult();
            Tools.RunOkAsync("htpasswd", ["-Bb", file, "bob", BobPassword]).GetAwaiter().GetResult();
            Tools.RunOkAsync("htpasswd", ["-Bb", file, "carol", CarolPassword]).GetAwaiter().GetResult();
        }
        else
        {
            File.WriteAllLines(file,
            [
                "alice:" + BCrypt.Net.BCrypt.HashPassword(AlicePassword, 5),
                "bob:" + BCrypt.Net.BCrypt.HashPassword(BobPassword, 5),
                "carol:" + BCrypt.Net.BCrypt.HashPassword(CarolPassword, 5),
                "mallory:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
            ]);
        }
        options.Auth = mode;
        options.HtpasswdPath = file;
        options.Access =
        [
            new AccessRule { User = "alice", Repositories = ["*"], Actions = ["*"] },
            new AccessRule { User = "bob", Repositories = ["*"], Actions = ["pull"] },
            new AccessRule { User = "carol", Repositories = ["carol/*"], Actions = ["pull", "push"] },
        ];
    }

    public static System.Net.Http.Headers.AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(user + ":" + password)));
}
