using System.Collections.Concurrent;

namespace KForensics.Infrastructure;

/// <summary>
/// An IProgress for engine work that reports from pool threads: reports are queued, and the cmdlet drains the
/// queue on the pipeline thread (WriteProgress is legal only there) while it waits for the work.
/// </summary>
internal sealed class QueuedProgress<T> : IProgress<T>
{
    private readonly ConcurrentQueue<T> _queue = new();

    public void Report(T value) => _queue.Enqueue(value);

    /// <summary>Waits for <paramref name="work"/>, handing the newest report to <paramref name="write"/> every 250 ms and at the end.</summary>
    public async Task<TResult> RunAsync<TResult>(Task<TResult> work, Action<T> write)
    {
        while (!work.IsCompleted)
        {
            await Task.WhenAny(work, Task.Delay(250, CancellationToken.None));
            Drain(write);
        }

        Drain(write);
        return await work;
    }

    private void Drain(Action<T> write)
    {
        T? last = default;
        bool any = false;
        while (_queue.TryDequeue(out T? item))
        {
            last = item;
            any = true;
        }

        if (any)
        {
            write(last!);
        }
    }
}
