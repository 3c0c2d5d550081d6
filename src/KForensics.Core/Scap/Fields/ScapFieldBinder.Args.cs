using System.Buffers.Binary;
using System.Globalization;
using KForensics.Core.Filtering;
using KForensics.Core.Scap.Format;
using Ctx = KForensics.Core.Scap.Fields.ScapFilterContext;

namespace KForensics.Core.Scap.Fields;

public sealed partial class ScapFieldBinder
{
    // Per event id: index of the "res" parameter (or of the "fd" a creating exit returns); -1 none.
    private static readonly short[] ResultIndex = BuildIndex(FindResult);
    private static readonly short[] DataIndex = BuildIndex(info => Find(info, "data"));
    private static readonly short[] FlagsIndex = BuildIndex(info => Find(info, "flags"));

    private static short[] BuildIndex(Func<EventInfo, int> find)
    {
        var index = new short[EventTable.Count];
        for (int id = 0; id < index.Length; id++)
        {
            index[id] = (short)(EventTable.TryGet(id, out EventInfo? info) ? find(info) : -1);
        }

        return index;
    }

    private static IReadOnlyList<ParamInfo> Table(EventInfo info) => info.IsOracleKnown ? info.OracleParams : info.Params;

    private static int Find(EventInfo info, string name)
    {
        IReadOnlyList<ParamInfo> table = Table(info);
        for (int i = 0; i < table.Count; i++)
        {
            if (table[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static int FindResult(EventInfo info)
    {
        int res = Find(info, "res");
        if (res >= 0)
        {
            return res;
        }

        EventFlags flags = info.IsOracleKnown ? info.OracleFlags : info.Flags;
        return !info.IsEnter && (flags & EventFlags.CreatesFd) != 0 ? Find(info, "fd") : -1;
    }

    private static long ReadSigned(ReadOnlySpan<byte> p) => p.Length switch
    {
        >= 8 => BinaryPrimitives.ReadInt64LittleEndian(p),
        >= 4 => BinaryPrimitives.ReadInt32LittleEndian(p),
        >= 2 => BinaryPrimitives.ReadInt16LittleEndian(p),
        1 => (sbyte)p[0],
        _ => 0,
    };

    /// <summary>evt.rawres: the res parameter, or the fd a creating exit returns.</summary>
    private static long? Result(Ctx c)
    {
        int i = ResultIndex[c.Info.Id];
        RawEvent raw = c.Raw;
        return i >= 0 && i < raw.ParamCount && raw.GetParam(i) is { Length: > 0 } p ? ReadSigned(p) : null;
    }

    private static ReadOnlyMemory<byte>? Buffer(Ctx c)
    {
        int i = DataIndex[c.Info.Id];
        RawEvent raw = c.Raw;
        if (i < 0 || i >= raw.ParamCount || Table(c.Info)[i].Type != ParamType.ByteBuf)
        {
            return null;
        }

        return raw.GetParam(i).ToArray();
    }

    private static uint? OpenFlags(Ctx c)
    {
        if (TypeName(c) is not ("open" or "openat" or "openat2"))
        {
            return null;
        }

        int i = FlagsIndex[c.Info.Id];
        RawEvent raw = c.Raw;
        return i >= 0 && i < raw.ParamCount && raw.GetParam(i) is { Length: >= 4 } p ? BinaryPrimitives.ReadUInt32LittleEndian(p) : 0;
    }

    private static string? AbsPath(Ctx c)
    {
        // The path an *at call resolved to is what the parser named the fd (or the failed attempt) with.
        string name = TypeName(c);
        return name is "openat" or "openat2" or "open" or "creat" && !c.Info.IsEnter ? c.State.FdName : null;
    }

    /// <summary>
    /// evt.rawarg.NAME: the parameter as stored; numbers compare as numbers, everything else as text.
    /// The field's type depends on the event, so a value that parses as a number picks the numeric reading.
    /// </summary>
    private static FieldAccessor<Ctx> BindRawArg(FieldReference f)
    {
        // The parameter's position per event type is looked up once, when the filter is compiled.
        string name = f.Argument ?? string.Empty;
        short[] index = BuildIndex(info => Find(info, name));
        return FieldAccessor<Ctx>.ForRawArgument(f,
            (Ctx c, out long v) =>
            {
                v = 0;
                if (!TryGetRaw(c, index, out ReadOnlySpan<byte> p, out ParamType type) || p.Length is 0 or > 8 || !IsNumeric(type))
                {
                    return false;
                }

                v = ReadNumber(p, type);
                return true;
            },
            c => !TryGetRaw(c, index, out ReadOnlySpan<byte> p, out ParamType type) ? null
                : IsNumeric(type) ? ReadNumber(p, type).ToString(CultureInfo.InvariantCulture)
                : System.Text.Encoding.UTF8.GetString(EventParams.CString(p)));
    }

    private static bool TryGetRaw(Ctx c, short[] index, out ReadOnlySpan<byte> value, out ParamType type)
    {
        int i = index[c.Info.Id];
        RawEvent raw = c.Raw;
        if (i < 0 || i >= raw.ParamCount)
        {
            value = default;
            type = ParamType.None;
            return false;
        }

        value = raw.GetParam(i);
        type = Table(c.Info)[i].Type;
        return true;
    }

    private static long ReadNumber(ReadOnlySpan<byte> p, ParamType type)
        => IsSigned(type) ? ReadSigned(p) : (long)EventParams.ReadUnsigned(p, p.Length);

    private static bool IsNumeric(ParamType t) => t is ParamType.Int8 or ParamType.Int16 or ParamType.Int32 or ParamType.Int64
        or ParamType.UInt8 or ParamType.UInt16 or ParamType.UInt32 or ParamType.UInt64 or ParamType.Errno or ParamType.Fd
        or ParamType.Pid or ParamType.Fd32 or ParamType.Pid32 or ParamType.Flags8 or ParamType.Flags16 or ParamType.Flags32
        or ParamType.Uid or ParamType.Gid or ParamType.Mode or ParamType.Port or ParamType.SigType or ParamType.RelTime
        or ParamType.AbsTime or ParamType.SyscallId or ParamType.EnumFlags8 or ParamType.EnumFlags16 or ParamType.EnumFlags32
        or ParamType.L4Proto or ParamType.SockFamily or ParamType.Bool or ParamType.SigSet;

    private static bool IsSigned(ParamType t) => t is ParamType.Int8 or ParamType.Int16 or ParamType.Int32 or ParamType.Int64
        or ParamType.Errno or ParamType.Fd or ParamType.Pid or ParamType.Fd32 or ParamType.Pid32;
}
