using System.Text.Json.Serialization;

namespace Kist.Runtime.Spec;

// Written, never read: the serialization-only mode writes the spec with generated code, without building the metadata
// of its ~20 types at every container start (each costs a reflection lookup in a Native AOT binary).
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = false,
    GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(RuntimeSpec))]
public sealed partial class RuntimeSpecJson : JsonSerializerContext;
