using System.Text.Json.Serialization;
using Kist.Runtime.Spec;

namespace Kist.Runtime.Tests.Spec;

/// <summary>The serializer's output for the spec types: what <see cref="RuntimeSpecWriter"/> must write byte for byte.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RuntimeSpec))]
internal sealed partial class RuntimeSpecReferenceJson : JsonSerializerContext;
