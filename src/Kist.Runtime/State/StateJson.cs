using System.Text.Json.Serialization;

namespace Kist.Runtime.State;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(ContainerState))]
public sealed partial class StateJson : JsonSerializerContext;

/// <summary>
/// The same documents as <see cref="StateJson"/>, written by generated code (serialization-only mode): a container
/// start writes its record without building the metadata of its ~15 types, each a reflection lookup in a Native AOT
/// binary. Reading a record needs <see cref="StateJson"/>'s metadata; the state is read by
/// <see cref="ContainerStateReader"/>, and <see cref="StateJson"/> keeps the state's metadata as the reference its
/// tests compare with.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(ContainerState))]
public sealed partial class StateWriteJson : JsonSerializerContext;
