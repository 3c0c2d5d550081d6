using System.Globalization;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.State;

namespace KForensics.Core.Analysis;

/// <summary>
/// The tiles wsysdig_summary takes from sysdig's tables rather than from events. It splits the capture
/// into 399 intervals (it learns the span from a first run over the file) and, at the first event past
/// each interval, records the processes of the thread table and the containers of the container table;
/// the listening ports start from the server sockets of the thread table as the capture opens. With a
/// filter, sysdig keeps a thread only when one of its fds passes the filter as part of a made-up read event.
/// </summary>
public sealed partial class SummaryAggregator
{
    private const int Samples = 400;

    private readonly HashSet<uint> _sampledProcesses = [];
    private readonly HashSet<string> _sampledContainers = new(StringComparer.Ordinal);
    private Inspector? _state;
    private ThreadTableFilter? _tableFilter;
    private ulong _interval;
    private ulong _lastSample;
    private bool _started;
    private ulong _now;

    private protected override void Begin(Inspector state, CaptureSpan span)
    {
        _state = state;
        _interval = span.Any ? Interval(span) : 0;
        state.MetadataLoaded += AddStartupPorts;
    }

    /// <summary>
    /// The sampling period as the chisel computes it: the span in ns goes through Lua's number-to-text
    /// conversion (14 significant digits) into the second run's arguments, is divided by 399 in floating
    /// point and truncated to whole nanoseconds. Below 399 ns it is 0, and sysdig then never samples.
    /// </summary>
    internal static ulong Interval(CaptureSpan span)
    {
        long delta = unchecked((long)(span.Last - span.First));
        if (delta <= 0)
        {
            return 0;
        }

        double duration = double.Parse(((double)delta).ToString("G14", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return (ulong)(duration / (Samples - 1));
    }

    private protected override void Tick(ScapFilterContext context)
    {
        if (_interval == 0)
        {
            return;
        }

        ulong ts = context.Raw.Timestamp;
        _now = ts;
        if (!_started)
        {
            _started = true;
            _lastSample = ts;
            return;
        }

        // sysdig calls on_interval once per period boundary passed; the tables are the same for each call.
        if (ts >= _lastSample && ts - _lastSample >= _interval)
        {
            Sample();
            _lastSample += (ts - _lastSample) / _interval * _interval;
        }
    }

    private void Sample()
    {
        Inspector state = _state!;
        foreach (ThreadInfo t in state.Threads.All)
        {
            // The chisel API hands tid and pid over as 32-bit numbers.
            if ((uint)t.Tid == (uint)t.Pid && PassesTableFilter(t) is not null)
            {
                _sampledProcesses.Add((uint)t.Pid);
            }
        }

        foreach (ContainerInfo c in state.Containers.All)
        {
            _sampledContainers.Add(c.Id);
        }
    }

    /// <summary>The listening-port table starts from every server socket of the thread table as the capture opens.</summary>
    private void AddStartupPorts()
    {
        Inspector state = _state!;
        foreach (ThreadInfo t in state.Threads.All)
        {
            if (state.Threads.PeekFdTable(t) is not { } fds)
            {
                continue;
            }

            foreach ((long number, FdInfo fd) in fds)
            {
                bool server = fd.Type is ScapFdType.Ipv4ServSock or ScapFdType.Ipv6ServSock
                    || (fd.Type is ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock && fd.Role == SocketRole.Server);
                if (server && FdPasses(t, number, fd))
                {
                    _listeningPorts.Add((ushort)fd.DestPort);
                }
            }
        }
    }

    /// <summary>The thread when it passes sysdig's thread-table filter (any fd that passes), else null.</summary>
    private ThreadInfo? PassesTableFilter(ThreadInfo t)
    {
        if (UserFilter is null)
        {
            return t;
        }

        if (_state!.Threads.PeekFdTable(t) is not { } fds)
        {
            return null;
        }

        foreach ((long number, FdInfo fd) in fds)
        {
            if (FdPasses(t, number, fd))
            {
                return t;
            }
        }

        return null;
    }

    /// <summary>The user's filter on a made-up read exit of <paramref name="t"/> on <paramref name="fd"/>, as sysdig's chisel API builds it.</summary>
    private bool FdPasses(ThreadInfo t, long number, FdInfo fd)
    {
        if (UserFilter is null)
        {
            return true;
        }

        _tableFilter ??= new ThreadTableFilter(_state!, UserFilter);
        return _tableFilter.Passes(t, number, fd, _now);
    }

    /// <summary>A capture without events still has its tables: sysdig reads them when it opens the file.</summary>
    private void FinishSampling() => _state?.FinishMetadata();
}
