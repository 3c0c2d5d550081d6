using System.Text;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Decoding;

/// <summary>
/// <c>%evt.info</c> exactly as sysdig 0.29.3 prints it: <c>name=value</c> or <c>name=value(resolved)</c>,
/// each followed by a space.
/// </summary>
/// <remarks>
/// Ids sysdig 0.29.3 knows are printed with its own table (parameter names, types and flag tables of
/// that version, and no more parameters than it had), so captures from newer writers, which append
/// parameters, print as sysdig 0.29.3 prints them. Ids it does not know are printed with the current
/// table by the same rules. Quirks of sysdig 0.29.3 are kept on purpose: unsigned 32-bit values printed
/// as signed, a value of zero length repeating the text of the previous parameter, types it cannot
/// print shown as <c>(n.a.)</c>, fd -1 resolved as <c>EPERM</c>.
/// </remarks>
internal static partial class EventFormatter
{
    /// <summary>sysdig prints at most this many characters of a byte buffer (unless -v).</summary>
    internal const int MaxBufferText = 80;

    private const int MaxParams = 64;

    [ThreadStatic]
    private static StringBuilder? _cachedText;

    [ThreadStatic]
    private static StringBuilder? _cachedValue;

    [ThreadStatic]
    private static StringBuilder? _cachedResolved;

    public static string FormatInfo(in RawEvent ev, EventInfo info, IEventContext? context)
    {
        ArgumentNullException.ThrowIfNull(info);

        // sysdig leaves the arguments of generic syscall events out: they have only internal use.
        if (info.Id is EventIds.GenericE or EventIds.GenericX)
        {
            return string.Empty;
        }

        IReadOnlyList<ParamInfo> table = info.IsSysdigKnown ? info.SysdigParams : info.Params;
        int count = Math.Min(Math.Min(ev.FileParamCount, table.Count), MaxParams);
        if (count <= 0)
        {
            return string.Empty;
        }

        Span<int> starts = stackalloc int[count];
        Span<int> lengths = stackalloc int[count];
        var values = new Params(ev, count, starts, lengths);

        StringBuilder text = Rent(ref _cachedText);
        StringBuilder value = Rent(ref _cachedValue);
        StringBuilder resolved = Rent(ref _cachedResolved);
        try
        {
            var state = new FormatState(values, table, context);
            for (int i = 0; i < count; i++)
            {
                // value is not cleared here: a parameter that prints nothing leaves the previous text.
                resolved.Clear();
                FormatParam(ref state, i, value, resolved);
                text.Append(table[i].Name).Append('=').Append(value);
                if (resolved.Length > 0)
                {
                    text.Append('(').Append(resolved).Append(')');
                }

                text.Append(' ');
            }

            return text.ToString();
        }
        finally
        {
            Return(ref _cachedText, text);
            Return(ref _cachedValue, value);
            Return(ref _cachedResolved, resolved);
        }
    }

    private static StringBuilder Rent(ref StringBuilder? cache)
    {
        StringBuilder builder = cache ?? new StringBuilder(256);
        cache = null;
        builder.Clear();
        return builder;
    }

    private static void Return(ref StringBuilder? cache, StringBuilder builder)
    {
        if (builder.Capacity <= 64 * 1024)
        {
            cache = builder;
        }
    }

    private readonly ref struct FormatState
    {
        public FormatState(Params values, IReadOnlyList<ParamInfo> table, IEventContext? context)
        {
            Values = values;
            Table = table;
            Context = context;
            HasThread = context is not null && context.HasThread;
        }

        public Params Values { get; }

        public IReadOnlyList<ParamInfo> Table { get; }

        public IEventContext? Context { get; }

        public bool HasThread { get; }
    }

    private static void FormatParam(ref FormatState state, int index, StringBuilder value, StringBuilder resolved)
    {
        ParamInfo declared = state.Table[index];
        ParamInfo info = declared;
        ReadOnlySpan<byte> payload = state.Values.Value(index);
        ReadOnlySpan<byte> tail = state.Values.Tail(index);
        int length = state.Values.Length(index);

        // A dynamic parameter starts with the index of its real type; the print format (and, for
        // flags, the name table) stays the declared parameter's.
        if (info.Type == ParamType.Dyn && info.DynamicTypes.Count > 0 && length != 0 && tail.Length > 0)
        {
            int which = tail[0];
            if (which < info.DynamicTypes.Count)
            {
                info = info.DynamicTypes[which];
                tail = tail[1..];
                payload = payload.Length > 0 ? payload[1..] : payload;
                length--;
            }
        }

        PrintFormat format = declared.Format;
        switch (info.Type)
        {
            case ParamType.Int8 or ParamType.Int16 or ParamType.Int32 or ParamType.Int64
                or ParamType.UInt8 or ParamType.UInt16 or ParamType.UInt32 or ParamType.UInt64:
                value.Clear();
                AppendNumber(value, info.Type, format, tail);
                break;
            case ParamType.Fd or ParamType.Fd32:
                FormatFd(ref state, ReadSigned(tail, info.Type == ParamType.Fd ? 8 : 4), value, resolved);
                break;
            case ParamType.Pid or ParamType.Pid32:
                {
                    long pid = ReadSigned(tail, info.Type == ParamType.Pid ? 8 : 4);
                    value.Clear().Append(pid);
                    if (state.Context is not null && state.Context.TryGetThreadName(pid, out string? comm))
                    {
                        resolved.Append(comm);
                    }

                    break;
                }

            case ParamType.Errno:
                {
                    long res = (long)Params.ReadUnsigned(tail, 8);
                    value.Clear().Append(res);
                    if (res < 0 && SysdigNames.Errno((int)res) is { } name)
                    {
                        resolved.Append(name);
                    }

                    break;
                }

            case ParamType.CharBuf:
                value.Clear();
                AppendUtf8(value, Params.CString(tail));
                break;
            case ParamType.FsPath or ParamType.FsRelPath:
                FormatPath(ref state, info, length, tail, value, resolved);
                break;
            case ParamType.ByteBuf:
                value.Clear();
                AppendDots(value, payload);
                break;
            case ParamType.SockAddr:
                value.Clear();
                AppendSockAddr(value, length, tail);
                break;
            case ParamType.SockTuple:
                value.Clear();
                AppendSockTuple(value, length, tail);
                break;
            case ParamType.FdList:
                if (state.HasThread)
                {
                    value.Clear();
                    AppendFdList(value, tail, state.Context!);
                }

                break;
            case ParamType.SyscallId:
                {
                    // The number, resolved to the name of sysdig's syscall table; past its end, a marker alone.
                    ushort id = (ushort)Params.ReadUnsigned(tail, 2);
                    if (id < SysdigSyscallNames.Count)
                    {
                        value.Clear().Append(id);
                        resolved.Append(SysdigSyscallNames.Get(id));
                    }
                    else
                    {
                        value.Clear().Append("<unknown syscall>");
                    }
                }

                break;
            case ParamType.SigType:
                {
                    byte signal = (byte)Params.ReadUnsigned(tail, 1);
                    value.Clear().Append(signal);
                    if (SysdigNames.Signal(signal) is { } name)
                    {
                        resolved.Append(name);
                    }

                    break;
                }

            case ParamType.RelTime:
                {
                    ulong ns = Params.ReadUnsigned(tail, 8);
                    value.Clear();
                    if (ns == ulong.MaxValue)
                    {
                        value.Append("none");
                    }
                    else
                    {
                        value.Append(ns);
                        AppendGeneral(resolved, ns / 1e9);
                        resolved.Append('s');
                    }

                    break;
                }

            case ParamType.Flags8 or ParamType.Flags16 or ParamType.Flags32:
                {
                    int size = info.Type == ParamType.Flags8 ? 1 : info.Type == ParamType.Flags16 ? 2 : 4;
                    uint flags = (uint)Params.ReadUnsigned(tail, size);
                    value.Clear().Append(flags);
                    AppendFlagNames(resolved, flags, declared.FlagNames);
                    break;
                }

            case ParamType.Mode:
                {
                    value.Clear();
                    AppendNumber(value, ParamType.UInt32, format, tail);
                    AppendFlagNames(resolved, (uint)Params.ReadUnsigned(tail, 4), declared.FlagNames);
                    break;
                }

            case ParamType.Uid or ParamType.Gid:
                FormatOwner(state.Context, info.Type == ParamType.Uid, (uint)Params.ReadUnsigned(tail, 4), value, resolved);
                break;
            case ParamType.SigSet:
                value.Clear();
                AppendSignalSet(value, (uint)Params.ReadUnsigned(tail, 4));
                break;
            case ParamType.Dyn or ParamType.AbsTime:
                value.Clear().Append("INVALID DYNAMIC PARAMETER");
                break;
            case ParamType.EnumFlags8 or ParamType.EnumFlags16 or ParamType.EnumFlags32:
                {
                    // Newer than sysdig 0.29.3 (only in ids it does not know): current libs print every
                    // name whose value matches exactly (AF_LOCAL|AF_UNIX).
                    int size = info.Type == ParamType.EnumFlags8 ? 1 : info.Type == ParamType.EnumFlags16 ? 2 : 4;
                    uint flags = (uint)Params.ReadUnsigned(tail, size);
                    value.Clear().Append(flags);
                    foreach (FlagName name in declared.FlagNames)
                    {
                        if (name.Value == flags)
                        {
                            resolved.Append(resolved.Length == 0 ? string.Empty : "|").Append(name.Name);
                        }
                    }

                    break;
                }

            default:
                value.Clear().Append("(n.a.)");
                break;
        }
    }

    private static long ReadSigned(ReadOnlySpan<byte> tail, int size)
        => size == 8 ? (long)Params.ReadUnsigned(tail, 8) : (int)(uint)Params.ReadUnsigned(tail, 4);
}
