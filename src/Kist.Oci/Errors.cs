namespace Kist.Oci;

/// <summary>The root of Kist's errors: the CLI prints <see cref="Exception.Message"/> as one line.</summary>
public class KistException : Exception
{
    public KistException(string message) : base(message) { }
    public KistException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>An image, blob, container or name that does not exist.</summary>
public class NotFoundException(string message) : KistException(message);

/// <summary>No image in the store by that name or ID: what <c>run</c> answers by pulling it.</summary>
public sealed class ImageNotFoundException(string message) : NotFoundException(message);

/// <summary>Content whose bytes do not hash to the digest or size they were announced with.</summary>
public class DigestMismatchException(string message) : KistException(message);

/// <summary>Input that is not what it claims to be: a bad reference, a malformed document or archive.</summary>
public class InvalidInputException : KistException
{
    public InvalidInputException(string message) : base(message) { }
    public InvalidInputException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>An operation that conflicts with the state of the store (an image in use, a name taken).</summary>
public class ConflictException(string message) : KistException(message);

/// <summary>
/// A registry refused or failed a request: the HTTP status and the OCI error codes of its answer
/// (<c>MANIFEST_UNKNOWN</c>, <c>DENIED</c>, …), with a message that says what was asked.
/// </summary>
public class RegistryException : KistException
{
    public RegistryException(string message, int statusCode = 0, IReadOnlyList<string>? errorCodes = null, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        ErrorCodes = errorCodes ?? [];
    }

    /// <summary>The HTTP status of the answer, or 0 when there was none (a connection or TLS failure).</summary>
    public int StatusCode { get; }

    public IReadOnlyList<string> ErrorCodes { get; }

    public bool HasCode(string code) => ErrorCodes.Contains(code, StringComparer.Ordinal);
}
