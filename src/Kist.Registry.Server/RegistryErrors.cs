using System.Net;
using Kist.Oci;

namespace Kist.Registry.Server;

/// <summary>An error the registry answers with: an HTTP status and an OCI error code.</summary>
public sealed class RegistryErrorException(HttpStatusCode status, string code, string message, string? detail = null)
    : KistException(message)
{
    public HttpStatusCode Status { get; } = status;
    public string Code { get; } = code;
    public string? Detail { get; } = detail;
}

/// <summary>The error codes of the OCI distribution spec (and distribution's extras).</summary>
public static class ErrorCodes
{
    public const string BlobUnknown = "BLOB_UNKNOWN";
    public const string BlobUploadInvalid = "BLOB_UPLOAD_INVALID";
    public const string BlobUploadUnknown = "BLOB_UPLOAD_UNKNOWN";
    public const string DigestInvalid = "DIGEST_INVALID";
    public const string ManifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN";
    public const string ManifestInvalid = "MANIFEST_INVALID";
    public const string ManifestUnknown = "MANIFEST_UNKNOWN";
    public const string NameInvalid = "NAME_INVALID";
    public const string NameUnknown = "NAME_UNKNOWN";
    public const string SizeInvalid = "SIZE_INVALID";
    public const string TagInvalid = "TAG_INVALID";
    public const string Unauthorized = "UNAUTHORIZED";
    public const string Denied = "DENIED";
    public const string Unsupported = "UNSUPPORTED";
    public const string TooManyRequests = "TOOMANYREQUESTS";
    public const string PaginationNumberInvalid = "PAGINATION_NUMBER_INVALID";
    public const string RangeInvalid = "RANGE_INVALID";
}

public static class RegistryErrors
{
    public static RegistryErrorException NameInvalid(string name) =>
        new(HttpStatusCode.BadRequest, ErrorCodes.NameInvalid, "invalid repository name", Clip(name));

    public static RegistryErrorException TagInvalid(string tag) =>
        new(HttpStatusCode.BadRequest, ErrorCodes.TagInvalid, "manifest tag did not match URI", Clip(tag));

    public static RegistryErrorException DigestInvalid(string detail) =>
        new(HttpStatusCode.BadRequest, ErrorCodes.DigestInvalid, "provided digest did not match uploaded content", Clip(detail));

    public static RegistryErrorException BlobUnknown(Digest digest) =>
        new(HttpStatusCode.NotFound, ErrorCodes.BlobUnknown, "blob unknown to registry", digest.ToString());

    public static RegistryErrorException UploadUnknown(string id) =>
        new(HttpStatusCode.NotFound, ErrorCodes.BlobUploadUnknown, "blob upload unknown to registry", Clip(id));

    public static RegistryErrorException ManifestUnknown(string reference) =>
        new(HttpStatusCode.NotFound, ErrorCodes.ManifestUnknown, "manifest unknown", Clip(reference));

    public static RegistryErrorException ManifestInvalid(string detail) =>
        new(HttpStatusCode.BadRequest, ErrorCodes.ManifestInvalid, "manifest invalid", Clip(detail));

    public static RegistryErrorException ManifestBlobUnknown(Digest digest) =>
        new(HttpStatusCode.BadRequest, ErrorCodes.ManifestBlobUnknown, "manifest references a manifest or blob unknown to registry", digest.ToString());

    public static RegistryErrorException NameUnknown(string name) =>
        new(HttpStatusCode.NotFound, ErrorCodes.NameUnknown, "repository name not known to registry", Clip(name));

    public static RegistryErrorException TooLarge(string what, long limit) =>
        new(HttpStatusCode.RequestEntityTooLarge, ErrorCodes.SizeInvalid, $"{what} exceeds the limit of {limit} bytes");

    public static RegistryErrorException Unsupported(string detail) =>
        new(HttpStatusCode.MethodNotAllowed, ErrorCodes.Unsupported, "The operation is unsupported.", detail);

    public static RegistryErrorException Denied(string detail) =>
        new(HttpStatusCode.Forbidden, ErrorCodes.Denied, "requested access to the resource is denied", detail);

    public static RegistryErrorException NotFound() =>
        new(HttpStatusCode.NotFound, ErrorCodes.Unsupported, "no such endpoint");

    private static string Clip(string s) => s.Length > 256 ? s[..256] : s;
}
