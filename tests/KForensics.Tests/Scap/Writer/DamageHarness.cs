using System.Buffers.Binary;
using System.IO.Compression;
using KForensics.Core.Scap;
using KForensics.Core.Scap.Format;

namespace KForensics.Tests.Scap.Writer;

/// <summary>
/// Reads a (possibly damaged) capture through the whole engine — block reader, state tables and
/// evt.info formatting, hidden events included — under a time limit, collecting events and errors.
/// </summary>
internal static class DamageHarness
{
    public sealed record Event(ulong Number, ulong RawTime, long ThreadId, string Type, string Info);

    public sealed record Result(IReadOnlyList<Event> Events, IReadOnlyList<ScapFormatException> Errors)
    {
        public ScapFormatException SingleError => Errors.Count == 1
            ? Errors[0]
            : throw new Xunit.Sdk.XunitException($"expected exactly one error, got {Errors.Count}: {string.Join("; ", Errors.Select(e => e.Message))}");
    }

    public sealed record Block(long Offset, int Length, uint Type);

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Reads <paramref name="data"/>; any exception other than <see cref="ScapFormatException"/> escapes.
    /// <paramref name="inflateAhead"/>: decompress a gzip capture on a second thread (null: as the reader decides).
    /// </summary>
    public static Result Read(byte[] data, string name, bool? inflateAhead = null)
    {
        Task<Result> run = Task.Run(() => ReadCore(data, name, inflateAhead));
        if (!run.Wait(Timeout))
        {
            throw new TimeoutException($"reading {name} did not finish within {Timeout.TotalSeconds} s");
        }

        return run.Result;
    }

    private static Result ReadCore(byte[] data, string name, bool? inflateAhead)
    {
        var events = new List<Event>();
        var errors = new List<ScapFormatException>();
        ScapEventReader? reader = null;
        try
        {
            var stream = new MemoryStream(data, writable: false);
            reader = inflateAhead is { } ahead
                ? new ScapEventReader(stream, name, ahead) { IncludeHidden = true }
                : new ScapEventReader(stream, name) { IncludeHidden = true };
            for (int round = 0; round < 2; round++)
            {
                try
                {
                    // A second round must neither throw again nor resume after the damage.
                    while (reader.TryRead(out ScapEvent? ev))
                    {
                        events.Add(new Event(ev.Number, ev.RawTime, ev.ThreadId, ev.Type, ev.Info));
                        _ = ev.ToString();
                    }
                }
                catch (ScapFormatException e)
                {
                    errors.Add(e);
                }
            }
        }
        catch (ScapFormatException e)
        {
            errors.Add(e);
        }
        finally
        {
            reader?.Dispose();
        }

        return new Result(events, errors);
    }

    /// <summary>The block chain of an intact, uncompressed capture.</summary>
    public static List<Block> Blocks(byte[] data)
    {
        var blocks = new List<Block>();
        int offset = 0;
        while (offset + 8 <= data.Length)
        {
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset));
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset + 4));
            if (length < 12 || offset + length > data.Length)
            {
                break;
            }

            blocks.Add(new Block(offset, length, type));
            offset += length;
        }

        return blocks;
    }

    public static byte[] WithU32(byte[] data, long offset, uint value)
    {
        byte[] copy = (byte[])data.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan((int)offset), value);
        return copy;
    }

    public static byte[] WithU16(byte[] data, long offset, ushort value)
    {
        byte[] copy = (byte[])data.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan((int)offset), value);
        return copy;
    }

    public static byte[] Gzip(byte[] data)
    {
        using var target = new MemoryStream();
        using (var gzip = new GZipStream(target, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return target.ToArray();
    }

    public static byte[] Gunzip(byte[] data)
    {
        if (data.Length < 2 || data[0] != 0x1F || data[1] != 0x8B)
        {
            return data;
        }

        using var source = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var target = new MemoryStream();
        source.CopyTo(target);
        return target.ToArray();
    }
}
