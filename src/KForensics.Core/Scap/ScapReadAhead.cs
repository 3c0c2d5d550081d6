using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace KForensics.Core.Scap;

/// <summary>
/// Reads a capture on its own thread, a few thousand events ahead of the consumer, so that
/// decompression, parsing and state tracking overlap with whatever the consumer does with each
/// event (in PowerShell: the pipeline). Memory stays bounded by the queue.
/// </summary>
public static class ScapReadAhead
{
    private const int BatchSize = 1024;
    private const int QueuedBatches = 8;

    /// <summary>
    /// The events of <paramref name="reader"/>, in order. A <see cref="ScapFormatException"/> of the
    /// reader is rethrown after every event before the damage. Stopping the enumeration early, or
    /// <paramref name="cancellationToken"/>, stops the reading thread.
    /// </summary>
    public static IEnumerable<ScapEvent> Read(ScapEventReader reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        using var queue = new BlockingCollection<ScapEvent[]>(QueuedBatches);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? failure = null;
        var producer = new Thread(() => failure = Produce(reader, queue, stop.Token))
        {
            IsBackground = true,
            Name = "scap read-ahead",
        };
        producer.Start();
        try
        {
            foreach (ScapEvent[] batch in queue.GetConsumingEnumerable(cancellationToken))
            {
                foreach (ScapEvent ev in batch)
                {
                    yield return ev;
                }
            }
        }
        finally
        {
            stop.Cancel();
            producer.Join();
        }

        // A cancelled read must not look like a complete one.
        cancellationToken.ThrowIfCancellationRequested();
        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    private static Exception? Produce(ScapEventReader reader, BlockingCollection<ScapEvent[]> queue, CancellationToken token)
    {
        var batch = new ScapEvent[BatchSize];
        int count = 0;
        Exception? failure = null;
        try
        {
            while (!token.IsCancellationRequested && reader.TryRead(out ScapEvent? ev))
            {
                batch[count++] = ev;
                if (count == BatchSize)
                {
                    queue.Add(batch, token);
                    batch = new ScapEvent[BatchSize];
                    count = 0;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            queue.CompleteAdding();
            return null;
        }
        catch (Exception ex)
        {
            // Handed to the consumer, which throws it after the events read before it.
            failure = ex;
        }

        try
        {
            if (count > 0)
            {
                queue.Add(batch[..count], token);
            }
        }
        catch (OperationCanceledException)
        {
            // The consumer has gone; nothing is waiting for these events.
        }
        finally
        {
            queue.CompleteAdding();
        }

        return failure;
    }
}
