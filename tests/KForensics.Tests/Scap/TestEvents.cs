using System.Buffers.Binary;
using System.Text;
using KForensics.Core.Scap.Decoding;
using KForensics.Core.Scap.Format;

namespace KForensics.Tests.Scap;

/// <summary>Builds single events in the V2 layout (header with nparams, u16 lengths) for unit tests.</summary>
internal static class TestEvents
{
    public static RawEvent Build(ushort type, params byte[][] values)
    {
        EventInfo info = EventTable.Get(type);
        bool wide = info.Flags.HasFlag(EventFlags.LargePayload);
        int lengthSize = wide ? 4 : 2;
        int length = RawEvent.V2HeaderSize + (lengthSize * values.Length) + values.Sum(v => v.Length);
        byte[] buffer = new byte[length + 16];
        int at = 8;
        BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(at), 1_500_000_000_000_000_000UL);
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(at + 8), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(at + 16), (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(at + 20), type);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(at + 22), (uint)values.Length);
        int pos = at + RawEvent.V2HeaderSize;
        foreach (byte[] value in values)
        {
            if (wide)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(pos), (uint)value.Length);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(pos), (ushort)value.Length);
            }

            pos += lengthSize;
        }

        foreach (byte[] value in values)
        {
            value.CopyTo(buffer, pos);
            pos += value.Length;
        }

        int usable = Math.Min(values.Length, info.Params.Count);
        return new RawEvent(buffer, at, RawEvent.V2HeaderSize, values.Length, usable, wide, 0, 0);
    }

    public static string Info(ushort type, IEventContext? context, params byte[][] values)
    {
        RawEvent ev = Build(type, values);
        return EventFormatter.FormatInfo(ev, EventTable.Get(type), context);
    }

    public static byte[] I64(long v) => BitConverter.GetBytes(v);

    public static byte[] U32(uint v) => BitConverter.GetBytes(v);

    public static byte[] U16(ushort v) => BitConverter.GetBytes(v);

    public static byte[] U8(byte v) => [v];

    public static byte[] Str(string s) => [.. Encoding.UTF8.GetBytes(s), 0];

    public static byte[] Raw(string s) => Encoding.Latin1.GetBytes(s);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}

/// <summary>A fixed state for formatting tests.</summary>
internal sealed class TestContext : IEventContext
{
    public string? Cwd { get; init; } = "/root/";

    public bool HasThread { get; init; } = true;

    public Dictionary<long, (string Tag, string Name)> Fds { get; } = [];

    public Dictionary<long, string> Threads { get; } = [];

    public Dictionary<uint, string> Users { get; } = [];

    public Dictionary<uint, string> Groups { get; } = [];

    public bool TryGetFd(long fd, out string typeTag, out string name)
    {
        if (Fds.TryGetValue(fd, out var entry))
        {
            (typeTag, name) = entry;
            return true;
        }

        typeTag = name = string.Empty;
        return false;
    }

    public bool TryGetThreadName(long tid, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? comm)
        => Threads.TryGetValue(tid, out comm);

    public bool TryGetUserName(uint uid, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? name)
        => Users.TryGetValue(uid, out name);

    public bool TryGetGroupName(uint gid, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? name)
        => Groups.TryGetValue(gid, out name);
}
