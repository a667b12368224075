namespace Kist.Registry.Credentials;

/// <summary>
/// What a user logged in with: a user name and password (or token used as a password), or an OAuth
/// identity token (docker's <c>identitytoken</c>, exchanged at the token endpoint as a refresh token).
/// </summary>
public sealed record RegistryCredential(string Username, string Secret, string? IdentityToken = null)
{
    /// <summary>Hides the secrets so that a credential in a log or exception message leaks nothing.</summary>
    public override string ToString() =>
        $"RegistryCredential {{ Username = {Username}, Secret = {(Secret.Length > 0 ? "***" : "")}, IdentityToken = {(IdentityToken is null ? "" : "***")} }}";
}
