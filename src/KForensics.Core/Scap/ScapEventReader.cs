using System.Diagnostics.CodeAnalysis;
using KForensics.Core.Filtering;
using KForensics.Core.Scap.State;

namespace KForensics.Core.Scap;

/// <summary>
/// Reads a capture as <see cref="ScapEvent"/>s, in file order, tracking state as sysdig does.
/// By default only the events sysdig prints are returned (see <see cref="IncludeHidden"/>).
/// </summary>
public sealed class ScapEventReader : IDisposable
{
    private readonly ScapBlockReader _blocks;
    private readonly EventArena _arena = new();
    private readonly int[]?[] _fdParams = new int[]?[ushort.MaxValue + 1];
    private readonly int[]?[] _pidParams = new int[]?[ushort.MaxValue + 1];
    private ulong _number;
    private ulong _previousTimestamp;
    private ulong _firstTimestamp;
    private Func<ScapFilterContext, bool>? _filter;
    private ScapFilterContext? _filterContext;

    public ScapEventReader(Stream stream, string source)
    {
        Source = source;
        _blocks = new ScapBlockReader(stream, source, State);
    }

    /// <summary>The capture's name as events report it in <see cref="ScapEvent.Source"/>.</summary>
    public string Source { get; }

    /// <summary>Also return the events sysdig hides unless run with -D (internal and state-only events).</summary>
    public bool IncludeHidden { get; init; }

    /// <summary>
    /// A compiled filter (<see cref="ScapFieldBinder.Compile"/>): events that fail it are skipped
    /// before any object is built for them. Hidden events never match, as in sysdig.
    /// </summary>
    public Func<ScapFilterContext, bool>? Filter
    {
        get => _filter;
        init
        {
            _filter = value;
            _filterContext = value is null ? null : new ScapFilterContext(State) { SnapshotFactory = (r, i) => Snapshot(r, i) };
        }
    }

    /// <summary>The state tables (threads, fds, containers, users) as of the last event read.</summary>
    public Inspector State { get; } = new();

    public ushort MajorVersion => _blocks.MajorVersion;

    public ushort MinorVersion => _blocks.MinorVersion;

    public bool IsGzip => _blocks.IsGzip;

    /// <summary>Opens a capture file (plain or gzip, detected by content).</summary>
    public static ScapEventReader Open(string path, bool includeHidden = false)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ScapFormatException(ScapErrorKind.ReadFailed, path, 0, 0, ex.Message, ex);
        }

        try
        {
            return new ScapEventReader(stream, path) { IncludeHidden = includeHidden };
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The next event; false at the end. Throws <see cref="ScapFormatException"/> at damage, after every event before it.</summary>
    public bool TryRead([NotNullWhen(true)] out ScapEvent? result)
    {
        while (_blocks.ReadEvent(out RawEvent raw, out EventInfo info))
        {
            State.Process(raw, info);

            // sysdig numbers only the events its own table knows; newer ones share the previous number.
            if (info.IsOracleKnown)
            {
                _number++;
            }

            ulong previous = _previousTimestamp;
            _previousTimestamp = raw.Timestamp;
            if (_firstTimestamp == 0)
            {
                _firstTimestamp = raw.Timestamp;
            }

            bool hidden = IsHidden(raw, info);
            if (hidden && (!IncludeHidden || _filter is not null))
            {
                continue;
            }

            if (_filter is not null)
            {
                _filterContext!.Set(raw, info, _number, _firstTimestamp, previous);
                if (!_filter(_filterContext))
                {
                    continue;
                }
            }

            result = new ScapEvent(_number, raw, _arena.Store(raw), info, State.Thread, State.Container, State.FdName,
                Snapshot(raw, info), hidden, Source);
            return true;
        }

        result = null;
        return false;
    }

    /// <summary>Every remaining event, stopping between events when <paramref name="cancellationToken"/> fires.</summary>
    public IEnumerable<ScapEvent> ReadAll(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && TryRead(out ScapEvent? ev))
        {
            yield return ev;
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private bool IsHidden(in RawEvent raw, EventInfo info)
    {
        EventCategory category = info.IsOracleKnown ? info.OracleCategory : info.Category;
        return ((int)category & (int)EventCategory.Internal) != 0
            || (raw.BlockFlags & 1) != 0
            || State.FilteredOut
            || (raw.Timestamp == 0 && info.Id is EventIds.ContainerJsonE or EventIds.ContainerJson2E);
    }

    private EventSnapshot Snapshot(in RawEvent raw, EventInfo info)
    {
        ThreadInfo? thread = State.Thread;
        if (thread is null)
        {
            return EventSnapshot.NoThread;
        }

        Dictionary<long, FdInfo>? fds = State.Threads.PeekFdTable(thread);
        long fd0 = long.MinValue, fd1 = long.MinValue;
        FdInfo? info0 = null, info1 = null;
        (long, FdInfo?)[]? more = null;
        int[] fdParams = _fdParams[info.Id] ??= ParamsOfType(info, ParamType.Fd, ParamType.Fd32);
        for (int k = 0; k < fdParams.Length; k++)
        {
            int index = fdParams[k];
            if (index >= raw.ParamCount)
            {
                break;
            }

            ReadOnlySpan<byte> p = raw.GetParam(index);
            long fd = p.Length >= 8 ? BitConverter.ToInt64(p) : p.Length >= 4 ? BitConverter.ToInt32(p) : long.MinValue;
            FdInfo? entry = fd >= 0 && fds is not null && fds.TryGetValue(fd, out FdInfo? e) ? e : null;
            if (k == 0)
            {
                (fd0, info0) = (fd, entry);
            }
            else if (k == 1)
            {
                (fd1, info1) = (fd, entry);
            }
            else
            {
                more ??= new (long, FdInfo?)[fdParams.Length - 2];
                more[k - 2] = (fd, entry);
            }
        }

        (long, string)[]? threads = null;
        int[] pidParams = _pidParams[info.Id] ??= ParamsOfType(info, ParamType.Pid, ParamType.Pid32);
        if (pidParams.Length > 0)
        {
            var found = new List<(long, string)>(pidParams.Length);
            foreach (int index in pidParams)
            {
                if (index < raw.ParamCount && raw.GetParam(index) is { Length: >= 4 } p)
                {
                    long pid = p.Length >= 8 ? BitConverter.ToInt64(p) : BitConverter.ToInt32(p);
                    if (State.Threads.Find(pid) is { } t)
                    {
                        found.Add((pid, t.Image.Comm));
                    }
                }
            }

            threads = found.Count > 0 ? found.ToArray() : null;
        }

        return new EventSnapshot(true, State.Threads.PeekCwd(thread), fd0, info0, fd1, info1, more, threads, State.Users);
    }

    private static int[] ParamsOfType(EventInfo info, ParamType a, ParamType b)
    {
        IReadOnlyList<ParamInfo> table = info.IsOracleKnown ? info.OracleParams : info.Params;
        var indexes = new List<int>();
        for (int i = 0; i < table.Count; i++)
        {
            if (table[i].Type == a || table[i].Type == b)
            {
                indexes.Add(i);
            }
        }

        return indexes.ToArray();
    }

    public void Dispose() => _blocks.Dispose();
}
