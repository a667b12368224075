using System.Text.Json.Serialization;

namespace Kist.Runtime.State;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(ContainerState))]
public sealed partial class StateJson : JsonSerializerContext;

/// <summary>
/// The same documents as <see cref="StateJson"/>, written by generated code (serialization-only mode): a container
/// start writes its record without building the metadata of its ~15 types, each a reflection lookup in a Native AOT
/// binary. Reading needs <see cref="StateJson"/>'s metadata.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(ContainerState))]
public sealed partial class StateWriteJson : JsonSerializerContext;
