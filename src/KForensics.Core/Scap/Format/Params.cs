using System.Buffers.Binary;
using System.Text;

namespace KForensics.Core.Scap.Format;

/// <summary>
/// The one reader of event parameters, shared by the reader, the argument decoders, the state parsers
/// and the exporter. Like sinsp, values are located by the lengths the file stores, whatever the table
/// says; damaged lengths (beyond the event, or u32 lengths past int range) only shorten what is read:
/// positions are clamped to the event, never trusted.
/// <para>
/// An instance locates every value of one event at once (the decoders walk all of them). The static
/// members read one value: <see cref="Stored"/> as the file stores it, and the tolerant typed reads of the
/// state parsers, for which a parameter the file does not carry (older writers) reads as empty or zero
/// instead of failing, so one odd event cannot stop a capture.
/// </para>
/// </summary>
internal readonly ref struct Params
{
    private readonly ReadOnlySpan<byte> _evt;
    private readonly ReadOnlySpan<int> _starts;
    private readonly ReadOnlySpan<int> _lengths;

    /// <summary>Locates the first <paramref name="count"/> values (at most the file's count) into the given spans.</summary>
    public Params(in RawEvent ev, int count, Span<int> starts, Span<int> lengths)
    {
        _evt = EventBytes(ev);
        long pos = FirstValue(ev);
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

    /// <summary>
    /// The stored bytes of value <paramref name="index"/> (0-based, below <see cref="RawEvent.FileParamCount"/>,
    /// so values the table does not name are reachable too), cut at the end of the event.
    /// </summary>
    public static ReadOnlySpan<byte> Stored(scoped in RawEvent ev, int index)
    {
        // The state parsers read values one at a time, on every event: one pass over the lengths, no copies.
        byte[] buffer = ev.Buffer;
        int lengthsAt = ev.Offset + ev.HeaderSize;
        long pos;
        long length;
        if (ev.WideLengths)
        {
            pos = lengthsAt + (4L * ev.FileParamCount);
            for (int i = 0; i < index; i++)
            {
                pos += BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(lengthsAt + (4 * i)));
            }

            length = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(lengthsAt + (4 * index)));
        }
        else
        {
            pos = lengthsAt + (2L * ev.FileParamCount);
            for (int i = 0; i < index; i++)
            {
                pos += BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(lengthsAt + (2 * i)));
            }

            length = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(lengthsAt + (2 * index)));
        }

        long end = Math.Min(buffer.Length, ev.Offset + (long)ev.Length);
        return pos < end ? buffer.AsSpan((int)pos, (int)Math.Min(length, end - pos)) : [];
    }

    public static bool Has(scoped in RawEvent e, int i) => i < e.ParamCount;

    /// <summary>The stored bytes of a parameter the table names; empty when the file does not carry it.</summary>
    public static ReadOnlySpan<byte> Get(scoped in RawEvent e, int i) => i < e.ParamCount ? Stored(e, i) : default;

    public static long I64(scoped in RawEvent e, int i) => I64(Get(e, i));

    /// <summary>A signed value stored in 8 bytes, or in 4 (older writers' pids and fds); 0 when shorter.</summary>
    public static long I64(ReadOnlySpan<byte> p)
        => p.Length >= 8 ? BinaryPrimitives.ReadInt64LittleEndian(p) : p.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(p) : 0;

    public static ulong U64(scoped in RawEvent e, int i)
    {
        ReadOnlySpan<byte> p = Get(e, i);
        return p.Length >= 8 ? BinaryPrimitives.ReadUInt64LittleEndian(p) : U32(e, i);
    }

    public static uint U32(scoped in RawEvent e, int i)
    {
        ReadOnlySpan<byte> p = Get(e, i);
        return p.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(p) : p.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(p) : p.Length == 1 ? p[0] : 0u;
    }

    /// <summary>A CHARBUF/FSPATH parameter as text, up to its NUL.</summary>
    public static string Str(scoped in RawEvent e, int i) => CStr(Get(e, i));

    /// <summary>The text up to the first NUL (or the end), decoded as UTF-8.</summary>
    public static string CStr(ReadOnlySpan<byte> p)
    {
        p = CString(p);
        return p.IsEmpty ? "" : Encoding.UTF8.GetString(p);
    }

    /// <summary>The bytes up to (not including) the first NUL, or to the end of the event.</summary>
    public static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> tail)
    {
        int nul = tail.IndexOf((byte)0);
        return nul >= 0 ? tail[..nul] : tail;
    }

    /// <summary>
    /// A little-endian unsigned value of <paramref name="size"/> bytes read from the value's address, as sinsp
    /// reads it: bytes missing at the end of the event read as zero.
    /// </summary>
    public static ulong ReadUnsigned(ReadOnlySpan<byte> tail, int size)
    {
        Span<byte> buffer = stackalloc byte[8];
        buffer.Clear();
        tail[..Math.Min(size, tail.Length)].CopyTo(buffer);
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(buffer);
        return size >= 8 ? value : value & ((1UL << (size * 8)) - 1);
    }

    /// <summary>
    /// How many fds an FDLIST value (u16 count, then an i64 fd and i16 flags per entry) holds: its count, or
    /// fewer when the value ends sooner (entry j's fd is there when 2 + 10j + 8 bytes are).
    /// </summary>
    public static int FdListCount(ReadOnlySpan<byte> p)
        => p.Length < 2 ? 0 : Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(p), p.Length / 10);

    /// <summary>The fd of entry <paramref name="index"/> (below <see cref="FdListCount"/>) of an FDLIST value.</summary>
    public static long FdListFd(ReadOnlySpan<byte> p, int index) => BinaryPrimitives.ReadInt64LittleEndian(p[(2 + (10 * index))..]);

    /// <summary>A NUL-separated list parameter (args, env, cgroups), split as sinsp's set_args does.</summary>
    public static IReadOnlyList<string> List(scoped in RawEvent e, int i) => NulList(Get(e, i));

    /// <summary>A NUL-separated list (args, env, cgroups); a missing final NUL is tolerated.</summary>
    internal static IReadOnlyList<string> NulList(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return [];
        }

        var items = new List<string>();
        while (!bytes.IsEmpty)
        {
            int nul = bytes.IndexOf((byte)0);
            if (nul < 0)
            {
                items.Add(Encoding.UTF8.GetString(bytes));
                break;
            }

            items.Add(Encoding.UTF8.GetString(bytes[..nul]));
            bytes = bytes[(nul + 1)..];
        }

        return items;
    }

    // The event's own bytes (the buffer may end sooner if a damaged length says otherwise).
    private static ReadOnlySpan<byte> EventBytes(scoped in RawEvent ev)
    {
        int end = (int)Math.Min((long)ev.Buffer.Length - ev.Offset, ev.Length);
        return ev.Buffer.AsSpan(ev.Offset, Math.Max(end, 0));
    }

    // Where the first value starts: after the header and the lengths the file stores.
    private static long FirstValue(scoped in RawEvent ev) => ev.HeaderSize + ((long)(ev.WideLengths ? 4 : 2) * ev.FileParamCount);
}
