namespace Kist.Cli.Tests.EndToEnd.BuildParity;

/// <summary>
/// Makes the shared base image once, then builds every case with both engines, a few at a time, as soon as the
/// fixture starts; each test awaits its own case. Removes every image, root and temp dir afterwards.
/// </summary>
public sealed class ParityFixture : IAsyncLifetime
{
    private const int Parallelism = 3;
    private readonly TestRoot _root = new("kist-parity-root");
    private readonly TestRoot _scratch = new("kist-parity-work");
    private readonly Dictionary<string, Task<ParityResult>> _results = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<ParityCase> _cases = ParityCase.All();

    public async Task InitializeAsync()
    {
        await ParityBaseImage.CreateAsync(_root.Path, _scratch.Path);
        var builder = new ParityBuilder(_root.Path);
        var gate = new SemaphoreSlim(Parallelism);
        foreach (var parityCase in _cases)
        {
            _results[parityCase.Name] = Task.Run(async () =>
            {
                await gate.WaitAsync();
                try
                {
                    return await builder.CompareAsync(parityCase, Path.Combine(_scratch.Path, parityCase.Name));
                }
                catch (Exception e)
                {
                    return ParityResult.Failed($"harness error: {e}");
                }
                finally
                {
                    gate.Release();
                }
            });
        }
    }

    public Task<ParityResult> ResultAsync(string name) => _results[name];

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_results.Values);
        var tags = _cases.SelectMany(c => c.HasParent ? new[] { c.Tag, c.ParentTag } : [c.Tag]).Append(ParityBaseImage.Reference);
        await Docker.RemoveImagesAsync(tags.ToArray());
        await ContainerLeaks.CleanUpAsync(_root.Path);
        _root.Dispose();
        _scratch.Dispose();
    }
}
