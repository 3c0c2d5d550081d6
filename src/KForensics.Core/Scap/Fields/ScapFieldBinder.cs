using System.Globalization;
using KForensics.Core.Filtering;
using KForensics.Core.Scap.Decoding;
using KForensics.Core.Scap.Format;
using Ctx = KForensics.Core.Scap.Fields.ScapFilterContext;

namespace KForensics.Core.Scap.Fields;

/// <summary>
/// Binds filter fields to the event and the state sysdig's parser keeps (threads, fds, containers,
/// users), with sysdig 0.29.3's meaning for each field and its null semantics.
/// </summary>
public sealed partial class ScapFieldBinder : IFieldBinder<Ctx>
{
    public static ScapFieldBinder Instance { get; } = new();

    /// <summary>Compiles <paramref name="filter"/> for a capture reader.</summary>
    public static Func<Ctx, bool> Compile(string filter) => FilterCompiler.Compile(filter, Instance);

    public FieldAccessor<Ctx> Bind(string filter, FieldReference field)
    {
        FieldAccessor<Ctx>? accessor = field.Field.Class switch
        {
            FieldClass.Evt => BindEvt(filter, field),
            FieldClass.Proc or FieldClass.Thread => BindProc(field) ?? BindSession(field),
            FieldClass.User or FieldClass.Group => BindUser(field) ?? BindSession(field),
            FieldClass.Fd => BindFd(field),
            FieldClass.Fdlist => BindFdList(field),
            FieldClass.Container => BindContainer(field),
            FieldClass.K8s => BindK8s(field),
            FieldClass.Syslog => BindSyslog(field),
            _ => null,
        };

        return accessor ?? throw new FilterSyntaxException(filter, field.Position,
            $"The field '{field}' cannot be computed from a capture file: {NotComputableReason(field.Field) ?? "it is not implemented"}.");
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Computable = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="field"/> binds (with a sample argument where it takes one): what Get-ScapField and completion offer.</summary>
    public static bool IsComputable(FieldDefinition field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return Computable.GetOrAdd(field.Name, _ =>
        {
            (string? argument, int? index) = field.Argument switch
            {
                FieldArgument.Name or FieldArgument.NameOrIndex or FieldArgument.OptionalName => ("x", (int?)null),
                FieldArgument.Index => (null, 1),
                _ => (null, null),
            };
            try
            {
                Instance.Bind(field.Name, new FieldReference(field, argument, index, 0));
                return true;
            }
            catch (FilterSyntaxException)
            {
                return false;
            }
        });
    }

    /// <summary>Why a field cannot be computed from a capture file; null for the fields this binder serves.</summary>
    public static string? NotComputableReason(FieldDefinition field) => field.Class switch
    {
        FieldClass.Mesos => "sysdig 0.29.3 has Mesos state only from a live Mesos master named with -m (it replays a capture's mesos events into that client); reading a capture alone it has none",
        FieldClass.Span or FieldClass.Evtin
            => "sysdig 0.29.3 replaces writes of its tracer text to /dev/null with tracer events and matches their spans; the module reads those writes as writes and builds no spans",
        _ => NotComputableFieldReason(field),
    };

    private static string? NotComputableFieldReason(FieldDefinition field) => field.Name switch
    {
        "evt.pluginname" or "evt.plugininfo" => "it comes from a loaded plugin, which reading a capture does not have",
        "fd.cproto" or "fd.sproto" or "fd.lproto" or "fd.rproto" or "fd.proto"
            => "sysdig names ports from the services database of the machine that reads the capture, not from the capture",
        _ => null,
    };

    /// <summary>
    /// evt.around[T]=D: the event lies within D milliseconds of the timestamp T, as sysdig tests it in unsigned
    /// 64-bit arithmetic (T &gt;= ts - D ms and T &lt;= ts + D ms, each wrapping), so a window reaching below zero
    /// or past the largest timestamp matches nothing.
    /// </summary>
    private static Func<Ctx, bool> Around(string filter, FieldReference f, FilterValue value)
    {
        if (f.Text is { } text && !text.StartsWith("evt.around[", StringComparison.Ordinal))
        {
            throw new FilterSyntaxException(filter, f.Position, "evt.around takes its timestamp in brackets: evt.around[T]=D.");
        }

        if (!ulong.TryParse(f.Argument, NumberStyles.None, CultureInfo.InvariantCulture, out ulong center))
        {
            throw new FilterSyntaxException(filter, f.Position, $"'{f.Argument}' is not a timestamp in nanoseconds, which evt.around[T] needs.");
        }

        if (!ulong.TryParse(value.Text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong millis))
        {
            throw new FilterSyntaxException(filter, value.Position, $"'{value.Text}' is not a number of milliseconds, which evt.around needs.");
        }

        ulong delta = unchecked(millis * 1_000_000);
        return c =>
        {
            ulong ts = c.Raw.Timestamp;
            return center >= unchecked(ts - delta) && center <= unchecked(ts + delta);
        };
    }

    private static FieldAccessor<Ctx> Str(FieldReference f, Func<Ctx, string?> get) => FieldAccessor<Ctx>.ForString(f, get);

    private static FieldAccessor<Ctx> Num(FieldReference f, Func<Ctx, long?> get)
        => FieldAccessor<Ctx>.ForNumber(f, (Ctx c, out long v) =>
        {
            long? x = get(c);
            v = x.GetValueOrDefault();
            return x.HasValue;
        });

    private static FieldAccessor<Ctx> Flag(FieldReference f, Func<Ctx, bool?> get)
        => Num(f, c => get(c) is bool b ? (b ? 1 : 0) : null);

    private static readonly string[] CategoryNames = BuildCategoryNames();

    private static string[] BuildCategoryNames()
    {
        string[] names = new string[257];
        foreach (EventCategory c in Enum.GetValues<EventCategory>())
        {
            names[(int)c] = c switch
            {
                EventCategory.IoRead => "io_read",
                EventCategory.IoWrite => "io_write",
                EventCategory.IoOther => "io_other",
                _ => c.ToString().ToLowerInvariant(),
            };
        }

        return names;
    }

    private static FieldAccessor<Ctx>? BindEvt(string filter, FieldReference f)
    {
        switch (f.Field.Name)
        {
            case "evt.num": return Num(f, c => (long)c.Number);
            case "evt.time": return Str(f, c => Time(c.Raw.Timestamp, "HH:mm:ss", nanos: true));
            case "evt.time.s": return Str(f, c => Time(c.Raw.Timestamp, "HH:mm:ss", nanos: false));
            case "evt.time.iso8601": return Str(f, c => Time(c.Raw.Timestamp, "yyyy-MM-ddTHH:mm:ss", nanos: true) + "+0000"); // sysdig 0.29.3 writes the zone as +0000
            case "evt.datetime": return Str(f, c => Time(c.Raw.Timestamp, "yyyy-MM-dd HH:mm:ss", nanos: true));
            case "evt.datetime.s": return Str(f, c => Time(c.Raw.Timestamp, "yyyy-MM-dd HH:mm:ss", nanos: false));
            case "evt.rawtime": return Num(f, c => (long)c.Raw.Timestamp);
            case "evt.around": return FieldAccessor<Ctx>.ForEqualityTest(f, value => Around(filter, f, value));
            case "evt.rawtime.s": return Num(f, c => (long)(c.Raw.Timestamp / 1_000_000_000));
            case "evt.rawtime.ns": return Num(f, c => (long)(c.Raw.Timestamp % 1_000_000_000));
            case "evt.reltime": return Num(f, c => (long)RelTime(c));
            case "evt.reltime.s": return Num(f, c => (long)(RelTime(c) / 1_000_000_000));
            case "evt.reltime.ns": return Num(f, c => (long)(RelTime(c) % 1_000_000_000));
            case "evt.latency": return Num(f, c => (long)Latency(c));
            case "evt.latency.s": return Num(f, c => (long)(Latency(c) / 1_000_000_000));
            case "evt.latency.ns": return Num(f, c => (long)(Latency(c) % 1_000_000_000));
            case "evt.latency.human": return Str(f, c => HumanTime(Latency(c)));
            case "evt.deltatime": return Num(f, c => (long)Delta(c));
            case "evt.deltatime.s": return Num(f, c => (long)(Delta(c) / 1_000_000_000));
            case "evt.deltatime.ns": return Num(f, c => (long)(Delta(c) % 1_000_000_000));
            case "evt.dir": return Str(f, c => c.Info.IsEnter ? ">" : "<");
            case "evt.type": return FieldAccessor<Ctx>.ForString(f, c => TypeName(c), v => ValidateEventType(filter, v));
            case "evt.type.is":
            {
                string wanted = f.Argument ?? string.Empty;
                return Num(f, c => TypeName(c) == wanted ? 1 : 0);
            }

            case "syscall.type": return Str(f, c => IsSyscall(c) ? TypeName(c) : null);
            case "evt.category": return Str(f, c => CategoryName(c));
            case "evt.cpu": return Num(f, c => c.Raw.Cpu);
            case "evt.args":
            case "evt.info": return Str(f, c => EventFormatter.FormatInfo(c.Raw, c.Info, c.Snapshot));
            case "evt.arg":
            {
                string? name = f.Argument;
                int index = f.Index ?? -1;
                return Str(f, c => EventFormatter.TryFormatArgument(c.Raw, c.Info, c.Snapshot, name, index, out string text) ? text : null);
            }

            case "evt.rawarg": return BindRawArg(f);
            case "evt.buffer": return FieldAccessor<Ctx>.ForBytes(f, c => Buffer(c));
            case "evt.buflen": return Num(f, c => BufferLength(c));
            case "evt.res": return Str(f, c => Result(c) is long r ? (r >= 0 ? "SUCCESS" : SysdigNames.Errno((int)r) ?? r.ToString(CultureInfo.InvariantCulture)) : null);
            case "evt.rawres": return Num(f, c => Result(c));
            case "evt.failed": return Flag(f, c => Result(c) is long r && r < 0);
            case "evt.is_io": return Flag(f, c => IsIo(c));
            case "evt.is_io_read": return Flag(f, c => (Flags(c) & EventFlags.ReadsFromFd) != 0);
            case "evt.is_io_write": return Flag(f, c => (Flags(c) & EventFlags.WritesToFd) != 0);
            case "evt.io_dir": return Str(f, c => (Flags(c) & EventFlags.ReadsFromFd) != 0 ? "read" : (Flags(c) & EventFlags.WritesToFd) != 0 ? "write" : null);
            case "evt.is_wait": return Flag(f, c => (Flags(c) & EventFlags.Waits) != 0);
            case "evt.wait_latency": return Num(f, c => (Flags(c) & EventFlags.Waits) != 0 && !c.Info.IsEnter ? (long)Latency(c) : null);
            case "evt.is_syslog": return Flag(f, c => (Flags(c) & EventFlags.WritesToFd) != 0 && c.Fd is { } fd && fd.Name.Contains("/dev/log", StringComparison.Ordinal));
            case "evt.is_open_read": return Flag(f, c => OpenFlags(c) is uint o && (o & 1) != 0);
            case "evt.is_open_write": return Flag(f, c => OpenFlags(c) is uint o && (o & 2) != 0);
            case "evt.is_open_exec": return Flag(f, c => OpenFlags(c) is uint o && (o & (OpenCreate | OpenTmpFile)) != 0 && (OpenMode(c) & 0b001_001_001) != 0);
            case "evt.abspath": return Str(f, c => AbsPath(c));
            case "evt.count": return Num(f, _ => 1);
            case "evt.count.exit": return Num(f, c => c.Info.IsEnter ? null : 1);
            case "evt.count.error": return Num(f, c => Result(c) is < 0 ? 1 : null);
            case "evt.count.error.file": return Num(f, c => Result(c) is < 0 && ErrorKind(c) == 'f' ? 1 : null);
            case "evt.count.error.net": return Num(f, c => Result(c) is < 0 && ErrorKind(c) == 'n' ? 1 : null);
            case "evt.count.error.memory": return Num(f, c => Result(c) is < 0 && ErrorKind(c) == 'm' ? 1 : null);
            case "evt.count.error.other": return Num(f, c => Result(c) is < 0 && ErrorKind(c) == 'o' ? 1 : null);
            default: return null;
        }
    }

    /// <summary>
    /// Which evt.count.error.* counts a failed event, as sysdig 0.29.3 sorts them: by the kind of the fd the
    /// parser attached (files and directories; IP and unix sockets; anything else is other), and without
    /// one by the call (opens are file, accept and connect net, memory calls memory, the rest other).
    /// </summary>
    private static char ErrorKind(Ctx c)
    {
        if (c.State.EventFd is { } fd)
        {
            return fd.Type switch
            {
                ScapFdType.File or ScapFdType.FileV2 or ScapFdType.Directory => 'f',
                ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock or ScapFdType.Ipv4ServSock or ScapFdType.Ipv6ServSock or ScapFdType.UnixSock => 'n',
                _ => Category(c) == EventCategory.Memory ? 'm' : 'o',
            };
        }

        return TypeName(c) switch
        {
            "open" or "creat" or "openat" or "openat2" => 'f',
            "accept" or "accept4" or "connect" => 'n',
            _ => Category(c) == EventCategory.Memory ? 'm' : 'o',
        };
    }

    private static string ValidateEventType(string filter, FilterValue value)
    {
        if (EventTable.ByName(value.Text).Count > 0 || SyscallNames.Value.Contains(value.Text))
        {
            return value.Text;
        }

        IEnumerable<string> close = EventTable.All.Select(e => e.Name).Distinct()
            .Where(n => n.StartsWith(value.Text[..Math.Min(3, value.Text.Length)], StringComparison.Ordinal)).Take(5);
        string hint = string.Join(", ", close);
        throw new FilterSyntaxException(filter, value.Position,
            $"Unknown event type '{value.Text}'." + (hint.Length > 0 ? $" Known types starting alike: {hint}." : string.Empty));
    }

    private static readonly Lazy<HashSet<string>> SyscallNames = new(() =>
        Enumerable.Range(0, SysdigSyscallNames.Count).Select(SysdigSyscallNames.Get).ToHashSet(StringComparer.Ordinal));

    private static string TypeName(Ctx c)
    {
        if (c.Info.Id is EventIds.GenericE or EventIds.GenericX)
        {
            return SysdigSyscallNames.Get(SysdigSyscallNames.IdOf(c.Raw));
        }

        return c.Info.IsSysdigKnown ? c.Info.SysdigName : c.Info.Name;
    }

    private static EventCategory Category(Ctx c) => c.Info.IsSysdigKnown ? c.Info.SysdigCategory : c.Info.Category;

    private static EventFlags Flags(Ctx c) => c.Info.IsSysdigKnown ? c.Info.SysdigFlags : c.Info.Flags;

    private static bool IsSyscall(Ctx c)
    {
        EventCategory category = Category(c);
        return ((int)category & (int)EventCategory.Internal) == 0 && c.Info.Id is not (EventIds.Schedswitch1E or EventIds.Schedswitch1X
            or EventIds.Schedswitch6E or EventIds.Schedswitch6X or EventIds.ContainerJsonE or EventIds.ContainerJson2E);
    }

    /// <summary>
    /// evt.category as sinsp_evt::get_category: a generic "syscall" event takes its syscall's category
    /// (I/O ones then have no fd kind, so "unknown"); other I/O events are named by the kind of the fd
    /// the parser attached to them, "unknown" when it attached none.
    /// </summary>
    private static string CategoryName(Ctx c)
    {
        EventCategory category;
        bool generic = c.Info.Id is EventIds.GenericE or EventIds.GenericX;
        if (generic)
        {
            category = SysdigSyscallCategories.Get(SysdigSyscallNames.IdOf(c.Raw));
        }
        else
        {
            category = Category(c);
        }

        if (category is EventCategory.IoRead or EventCategory.IoWrite or EventCategory.IoOther)
        {
            return generic ? "unknown" : c.State.EventFd?.Type switch
            {
                ScapFdType.File or ScapFdType.FileV2 or ScapFdType.Directory => "file",
                ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock or ScapFdType.Ipv4ServSock or ScapFdType.Ipv6ServSock => "net",
                ScapFdType.Fifo or ScapFdType.UnixSock or ScapFdType.Event or ScapFdType.SignalFd or ScapFdType.Inotify => "ipc",
                _ => "unknown",
            };
        }

        if (category == EventCategory.Ipc)
        {
            return "IPC";
        }

        int value = (int)category;
        return (uint)value < (uint)CategoryNames.Length && CategoryNames[value] is { } name && category != EventCategory.Internal ? name : "unknown";
    }

    /// <summary>evt.buflen: the first parameter of an I/O exit on a known fd, when it is not an error.</summary>
    private static long? BufferLength(Ctx c)
    {
        if (c.State.EventFd is null || c.Info.IsEnter || ((int)Category(c) & (int)EventCategory.IoRead) == 0)
        {
            return null;
        }

        RawEvent raw = c.Raw;
        return raw.ParamCount > 0 && raw.GetParam(0) is { Length: > 0 } p && ReadSigned(p) is long v && v >= 0 ? v : null;
    }

    private static bool? IsIo(Ctx c) => (Flags(c) & (EventFlags.ReadsFromFd | EventFlags.WritesToFd)) != 0;

    private static ulong RelTime(Ctx c) => c.FirstTimestamp == 0 || c.Raw.Timestamp < c.FirstTimestamp ? 0 : c.Raw.Timestamp - c.FirstTimestamp;

    /// <summary>Since the previous event; where time goes back, sysdig's unsigned difference wraps around (evt.deltatime.s is then 18446744073).</summary>
    private static ulong Delta(Ctx c) => c.PreviousTimestamp == 0 ? 0 : unchecked(c.Raw.Timestamp - c.PreviousTimestamp);

    /// <summary>sysdig's thread latency as the parser last set it (context switches keep the previous exit's).</summary>
    private static ulong Latency(Ctx c) => c.Thread?.Latency ?? 0;

    private static string Time(ulong ts, string format, bool nanos)
    {
        DateTime time = ScapTime.ToDateTime(ts);
        string text = time.ToString(format, CultureInfo.InvariantCulture);
        return nanos ? text + "." + (ts % 1_000_000_000).ToString("D9", CultureInfo.InvariantCulture) : text;
    }

    /// <summary>
    /// evt.latency.human as sysdig prints it, truncated, not rounded: seconds with two decimals; milliseconds and
    /// microseconds with two decimals below 10 of them and whole from 10 up; nanoseconds whole.
    /// </summary>
    private static string HumanTime(ulong ns)
    {
        static string Two(ulong whole, ulong hundredths, string unit)
            => whole.ToString(CultureInfo.InvariantCulture) + "." + hundredths.ToString("D2", CultureInfo.InvariantCulture) + unit;

        return ns switch
        {
            >= 1_000_000_000 => Two(ns / 1_000_000_000, ns % 1_000_000_000 / 10_000_000, "s"),
            >= 10_000_000 => (ns / 1_000_000).ToString(CultureInfo.InvariantCulture) + "ms",
            >= 1_000_000 => Two(ns / 1_000_000, ns % 1_000_000 / 10_000, "ms"),
            >= 10_000 => (ns / 1_000).ToString(CultureInfo.InvariantCulture) + "us",
            >= 1_000 => Two(ns / 1_000, ns % 1_000 / 10, "us"),
            _ => ns.ToString(CultureInfo.InvariantCulture) + "ns",
        };
    }
}
