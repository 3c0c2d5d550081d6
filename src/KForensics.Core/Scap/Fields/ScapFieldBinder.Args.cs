using System.Buffers.Binary;
using System.Globalization;
using KForensics.Core.Filtering;
using KForensics.Core.Scap.Format;
using Ctx = KForensics.Core.Scap.Fields.ScapFilterContext;
using KForensics.Core.Scap.State;

namespace KForensics.Core.Scap.Fields;

public sealed partial class ScapFieldBinder
{
    // Per event id: index of the "res" parameter (or of the "fd" a creating exit returns); -1 none.
    private static readonly short[] ResultIndex = BuildIndex(FindResult);
    private static readonly short[] DataIndex = BuildIndex(info => Find(info, "data"));
    private static readonly short[] FlagsIndex = BuildIndex(info => Find(info, "flags"));

    private static short[] BuildIndex(Func<EventInfo, int> find)
    {
        short[] index = new short[EventTable.Count];
        for (int id = 0; id < index.Length; id++)
        {
            index[id] = (short)(EventTable.TryGet(id, out EventInfo? info) ? find(info) : -1);
        }

        return index;
    }

    private static IReadOnlyList<ParamInfo> Table(EventInfo info) => info.IsSysdigKnown ? info.SysdigParams : info.Params;

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

        EventFlags flags = info.IsSysdigKnown ? info.SysdigFlags : info.Flags;
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

    private const uint OpenCreate = 1u << 2, OpenTmpFile = 1u << 13;

    /// <summary>The mode parameter of an open (0 when the event has none): evt.is_open_exec looks for an execute bit in it.</summary>
    private static uint OpenMode(Ctx c)
    {
        int i = Find(c.Info, "mode");
        RawEvent raw = c.Raw;
        return i >= 0 && i < raw.ParamCount && raw.GetParam(i) is { Length: >= 4 } p ? BinaryPrimitives.ReadUInt32LittleEndian(p) : 0;
    }

    /// <summary>
    /// evt.abspath as sysdig 0.29.3 computes it: the dirfd and path of the old openat enter, the newer openat
    /// and openat2 exits, unlinkat, mkdirat, renameat (its old path) and symlinkat exits, resolved against the
    /// cwd or the dirfd's name; an absolute path as it is. Other events (open, the old openat exit) have none.
    /// </summary>
    private static string? AbsPath(Ctx c)
    {
        (string Dir, string Path)? args = c.Info.Id switch
        {
            Ppme.OpenAtE or Ppme.OpenAt2X or Ppme.OpenAt2NewX => ("dirfd", "name"),
            _ when c.Info.IsEnter => null,
            _ => TypeName(c) switch
            {
                "unlinkat" => ("dirfd", "name"),
                "mkdirat" => ("dirfd", "path"),
                "renameat" or "renameat2" => ("olddirfd", "oldpath"),
                "symlinkat" => ("linkdirfd", "linkpath"),
                _ => null,
            },
        };
        if (args is not { } a || c.Thread is not { } t)
        {
            return null;
        }

        int di = Find(c.Info, a.Dir), pi = Find(c.Info, a.Path);
        RawEvent raw = c.Raw;
        if (di < 0 || pi < 0 || di >= raw.ParamCount || pi >= raw.ParamCount)
        {
            return null;
        }

        string path = System.Text.Encoding.UTF8.GetString(Params.CString(raw.GetParam(pi)));
        long dirfd = ReadSigned(raw.GetParam(di));
        string dir;
        if (path.Length > 0 && path[0] == '/')
        {
            dir = ".";
        }
        else if (dirfd == -100)
        {
            dir = c.State.Threads.CwdOf(t);
        }
        else
        {
            dir = c.State.Threads.GetFd(t, dirfd) is { } d ? d.Name + "/" : "<UNKNOWN>/";
        }

        return SinspPath.Concatenate(dir, path);
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
                : System.Text.Encoding.UTF8.GetString(Params.CString(p)));
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
        => IsSigned(type) ? ReadSigned(p) : (long)Params.ReadUnsigned(p, p.Length);

    private static bool IsNumeric(ParamType t) => t is ParamType.Int8 or ParamType.Int16 or ParamType.Int32 or ParamType.Int64
        or ParamType.UInt8 or ParamType.UInt16 or ParamType.UInt32 or ParamType.UInt64 or ParamType.Errno or ParamType.Fd
        or ParamType.Pid or ParamType.Fd32 or ParamType.Pid32 or ParamType.Flags8 or ParamType.Flags16 or ParamType.Flags32
        or ParamType.Uid or ParamType.Gid or ParamType.Mode or ParamType.Port or ParamType.SigType or ParamType.RelTime
        or ParamType.AbsTime or ParamType.SyscallId or ParamType.EnumFlags8 or ParamType.EnumFlags16 or ParamType.EnumFlags32
        or ParamType.L4Proto or ParamType.SockFamily or ParamType.Bool or ParamType.SigSet;

    private static bool IsSigned(ParamType t) => t is ParamType.Int8 or ParamType.Int16 or ParamType.Int32 or ParamType.Int64
        or ParamType.Errno or ParamType.Fd or ParamType.Pid or ParamType.Fd32 or ParamType.Pid32;
}
