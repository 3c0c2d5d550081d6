using System.Buffers.Binary;

namespace KForensics.Core.Scap.Format;

/// <summary>
/// The loaded parameters of one event: where each value starts and how long it is. Like sinsp,
/// values are located by the lengths the file stores, whatever the table says.
/// </summary>
internal readonly ref struct EventParams
{
    private readonly ReadOnlySpan<byte> _evt;
    private readonly ReadOnlySpan<int> _starts;
    private readonly ReadOnlySpan<int> _lengths;

    public EventParams(in RawEvent ev, int count, Span<int> starts, Span<int> lengths)
    {
        int end = (int)Math.Min((long)ev.Buffer.Length - ev.Offset, ev.Length);
        _evt = ev.Buffer.AsSpan(ev.Offset, Math.Max(end, 0));
        // Damaged lengths (beyond the event, or u32 lengths past int range) only shorten what is
        // read: positions are clamped to the event, never trusted.
        long pos = ev.HeaderSize + ((long)(ev.WideLengths ? 4 : 2) * ev.FileParamCount);
        for (int i = 0; i < count; i++)
        {
            long length = (uint)ev.GetParamLength(i);
            starts[i] = (int)Math.Min(pos, _evt.Length);
            lengths[i] = (int)Math.Min(length, int.MaxValue);
            pos += length;
        }

        _starts = starts[..count];
        _lengths = lengths[..count];
    }

    public int Count => _starts.Length;

    public int Length(int index) => _lengths[index];

    /// <summary>The stored bytes of the value (cut at the end of the event if the lengths overrun it).</summary>
    public ReadOnlySpan<byte> Value(int index)
    {
        ReadOnlySpan<byte> tail = Tail(index);
        return tail[..Math.Min(_lengths[index], tail.Length)];
    }

    /// <summary>
    /// The bytes from the value to the end of the event. sinsp reads fixed-size values and C strings
    /// from the value's address whatever the stored length, so short values run into what follows.
    /// </summary>
    public ReadOnlySpan<byte> Tail(int index)
    {
        int start = _starts[index];
        return start < _evt.Length ? _evt[start..] : [];
    }

    public static ulong ReadUnsigned(ReadOnlySpan<byte> tail, int size)
    {
        Span<byte> buffer = stackalloc byte[8];
        buffer.Clear();
        tail[..Math.Min(size, tail.Length)].CopyTo(buffer);
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(buffer);
        return size >= 8 ? value : value & ((1UL << (size * 8)) - 1);
    }

    /// <summary>The bytes up to (not including) the first NUL, or to the end of the event.</summary>
    public static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> tail)
    {
        int nul = tail.IndexOf((byte)0);
        return nul >= 0 ? tail[..nul] : tail;
    }
}
