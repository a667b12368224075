using Kist.Oci;

namespace Kist.Registry.Credentials;

/// <summary>A <c>docker-credential-*</c> program that is missing, failed, or answered something unreadable.</summary>
public sealed class CredentialHelperException : KistException
{
    public CredentialHelperException(string message) : base(message) { }
    public CredentialHelperException(string message, Exception? inner) : base(message, inner) { }
}
