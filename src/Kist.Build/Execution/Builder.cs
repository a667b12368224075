using Kist.Build.Context;
using Kist.Build.Planning;

namespace Kist.Build.Execution;

/// <summary>
/// Runs the stages the target needs, each as soon as the stages it reads are built (independent stages in
/// parallel). The first failure cancels the others; nothing keeps running once the build returns.
/// </summary>
public sealed class Builder(BuildEnvironment env, BuildContext context)
{
    public async Task<ImageState> BuildAsync(BuildPlan plan, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new Dictionary<int, Task<ImageState>>();
        Task<ImageState> Result(int index)
        {
            lock (tasks)
            {
                if (tasks.TryGetValue(index, out var existing)) return existing;
                var stage = plan.Stages[index] ?? throw new InvalidOperationException($"stage {index} was not planned");
                var task = Task.Run(() => new StageBuilder(env, plan, stage, context, Result).BuildAsync(cts.Token), cts.Token);
                _ = task.ContinueWith(_ => cts.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                tasks[index] = task;
                return task;
            }
        }
        foreach (int i in plan.Needed) _ = Result(i);
        Task<ImageState>[] all;
        lock (tasks) all = tasks.Values.ToArray();
        try
        {
            await Task.WhenAll(all).ConfigureAwait(false);
        }
        catch
        {
            // Report the failure that started it, not the cancellations it caused.
            var first = all.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault();
            if (first is not null && !cancellationToken.IsCancellationRequested) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            throw;
        }
        return await Result(plan.Target).ConfigureAwait(false);
    }
}
