using System.Text.Json.Serialization;

namespace Kist.Runtime.State;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(ContainerState))]
public sealed partial class StateJson : JsonSerializerContext;
