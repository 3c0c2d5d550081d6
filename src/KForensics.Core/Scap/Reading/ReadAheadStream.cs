using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using KForensics.Core.IO;

namespace KForensics.Core.Scap.Reading;

/// <summary>
/// Reads another stream on a thread of its own, a few chunks ahead of the consumer, so that the
/// work behind the inner stream's reads (decompression) overlaps with what the consumer does with
/// the bytes. An exception of the inner stream is rethrown, as it was thrown, once the consumer has
/// had every byte read before it. Read-only and forward-only; owns the inner stream.
/// </summary>
internal sealed class ReadAheadStream : ForwardReadStream
{
    private const int ChunkSize = 1 << 20;
    private const int QueuedChunks = 4;

    private readonly Stream _inner;
    private readonly BlockingCollection<Chunk> _full = new(QueuedChunks);
    private readonly ConcurrentQueue<Chunk> _free = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _producer;
    private Chunk? _current;
    private bool _ended;
    private bool _disposed;

    public ReadAheadStream(Stream inner)
    {
        _inner = inner;
        _producer = new Thread(Produce) { IsBackground = true, Name = "scap inflate" };
        _producer.Start();
    }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (_current is { } chunk)
            {
                if (chunk.Position < chunk.Length)
                {
                    int n = Math.Min(buffer.Length, chunk.Length - chunk.Position);
                    chunk.Data.AsSpan(chunk.Position, n).CopyTo(buffer);
                    chunk.Position += n;
                    return n;
                }

                _current = null;
                if (chunk.Failure is { } failure)
                {
                    _ended = true;
                    ExceptionDispatchInfo.Throw(failure);
                }

                bool last = chunk.Last;
                Recycle(chunk);
                if (last)
                {
                    _ended = true;
                }
            }

            if (_ended || !_full.TryTake(out _current, Timeout.Infinite))
            {
                _ended = true;
                return 0;
            }
        }
    }

    private void Produce()
    {
        CancellationToken token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                Chunk chunk = _free.TryDequeue(out Chunk? reused) ? reused : new Chunk();
                try
                {
                    // Fill the chunk (inner streams return short reads), so each hand-over carries a lot.
                    while (chunk.Length < chunk.Data.Length)
                    {
                        int n = _inner.Read(chunk.Data, chunk.Length, chunk.Data.Length - chunk.Length);
                        if (n == 0)
                        {
                            chunk.Last = true;
                            break;
                        }

                        chunk.Length += n;
                    }
                }
                catch (Exception ex)
                {
                    chunk.Failure = ex;
                    chunk.Last = true;
                }

                _full.Add(chunk, token);
                if (chunk.Last)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The consumer has gone.
        }
        finally
        {
            _full.CompleteAdding();
        }
    }

    private void Recycle(Chunk chunk)
    {
        chunk.Length = 0;
        chunk.Position = 0;
        chunk.Last = false;
        chunk.Failure = null;
        _free.Enqueue(chunk);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _stop.Cancel();
            _producer.Join();
            _inner.Dispose();
            _full.Dispose();
            _stop.Dispose();
        }

        base.Dispose(disposing);
    }

    private sealed class Chunk
    {
        public byte[] Data { get; } = new byte[ChunkSize];

        public int Length { get; set; }

        public int Position { get; set; }

        public bool Last { get; set; }

        public Exception? Failure { get; set; }
    }
}
