using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Reading;

/// <summary>
/// Keeps the bytes of emitted events in large shared chunks, so an event costs no allocation of
/// its own; a chunk is collected once no event that points into it is alive.
/// </summary>
internal sealed class EventArena
{
    // Below the large-object threshold, so chunks die young with the events instead of filling the LOH.
    private const int ChunkSize = 32 << 10;

    private byte[] _chunk = new byte[ChunkSize];
    private int _used;

    public Slice Store(in RawEvent ev)
    {
        int length = (int)ev.Length;
        byte[] target;
        int at;
        if (length > ChunkSize / 4)
        {
            target = new byte[length];
            at = 0;
        }
        else
        {
            if (_used + length > _chunk.Length)
            {
                _chunk = new byte[ChunkSize];
                _used = 0;
            }

            target = _chunk;
            at = _used;
            _used += (length + 7) & ~7;
        }

        ev.Buffer.AsSpan(ev.Offset, length).CopyTo(target.AsSpan(at));
        return new Slice(target, at, (byte)ev.HeaderSize, (ushort)ev.FileParamCount, (ushort)ev.ParamCount, ev.WideLengths, ev.Cpu, ev.BlockFlags);
    }

    /// <summary>Where one event's bytes are kept, with what is needed to view them again.</summary>
    internal readonly record struct Slice(byte[] Buffer, int Offset, byte HeaderSize, ushort FileParamCount, ushort ParamCount,
        bool WideLengths, ushort Cpu, uint BlockFlags)
    {
        public RawEvent ToRawEvent() => new(Buffer, Offset, HeaderSize, FileParamCount, ParamCount, WideLengths, Cpu, BlockFlags);
    }
}
