namespace Kist.Oci;

/// <summary>The root of Kist's errors: the CLI prints <see cref="Exception.Message"/> as one line.</summary>
public class KistException : Exception
{
    public KistException(string message) : base(message) { }
    public KistException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>An image, blob, container or name that does not exist.</summary>
public class NotFoundException(string message) : KistException(message);

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
