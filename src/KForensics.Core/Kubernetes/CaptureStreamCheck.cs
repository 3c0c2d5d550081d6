using System.IO.Compression;
using System.IO.Pipelines;

namespace KForensics.Core.Kubernetes;

/// <summary>
/// Checks a capture as it streams past (gzip that decompresses to the end, starting with a scap section header
/// block), for captures encrypted as they arrive, which are never readable on disk. Bytes written here are
/// decompressed by a reader on the thread pool through a pipe; <see cref="FinishAsync"/> gives the verdict.
/// </summary>
internal sealed class CaptureStreamCheck
{
    private static readonly byte[] ScapMagic = { 0x0A, 0x0D, 0x0D, 0x0A };
    private readonly Pipe _pipe = new();
    private readonly Task<string?> _reader;

    public CaptureStreamCheck()
    {
        Input = _pipe.Writer.AsStream();
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>Where the capture's bytes are written (as well as to their destination).</summary>
    public Stream Input { get; }

    /// <summary>Null when the capture is a valid gzip'd scap file, else what is wrong with it.</summary>
    public async Task<string?> FinishAsync()
    {
        if (!_finished)
        {
            _finished = true;
            await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
        }

        return await _reader.ConfigureAwait(false);
    }

    private bool _finished;

    private async Task<string?> ReadAsync()
    {
        Stream input = _pipe.Reader.AsStream();
        try
        {
            await using var gzip = new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
            byte[] head = new byte[4];
            int read = 0;
            while (read < head.Length)
            {
                int n = await gzip.ReadAsync(head.AsMemory(read)).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            await gzip.CopyToAsync(Stream.Null).ConfigureAwait(false);
            return read == head.Length && head.AsSpan().SequenceEqual(ScapMagic) ? null : "it does not start with a scap section header block";
        }
        catch (InvalidDataException e)
        {
            return "it is not a valid gzip stream: " + e.Message;
        }
        finally
        {
            // Whatever was left is drained, so the writer side never waits on a reader that stopped.
            await input.CopyToAsync(Stream.Null).ConfigureAwait(false);
            await _pipe.Reader.CompleteAsync().ConfigureAwait(false);
        }
    }
}
