using System.Text.Json.Serialization;

namespace Kist.Runtime.Spec;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = false)]
[JsonSerializable(typeof(RuntimeSpec))]
public sealed partial class RuntimeSpecJson : JsonSerializerContext;
