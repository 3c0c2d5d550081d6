using System.Buffers.Binary;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.State;

namespace KForensics.Core.Scap.Fields;

/// <summary>
/// A compiled filter run on one fd of a thread as sysdig's chisel API runs it when it filters its thread
/// table: on a made-up read exit carrying that thread and fd. The state's focus (thread, fd, container of
/// the last event read) is put back afterwards, so the events that follow parse as before.
/// </summary>
internal sealed class ThreadTableFilter
{
    private readonly Inspector _state;
    private readonly Func<ScapFilterContext, bool> _filter;
    private readonly ScapFilterContext _context;
    private readonly byte[] _header = new byte[RawEvent.V1HeaderSize];

    internal ThreadTableFilter(Inspector state, Func<ScapFilterContext, bool> filter)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(filter);
        _state = state;
        _filter = filter;
        _context = new ScapFilterContext(state);
    }

    /// <summary>The filter's verdict on fd <paramref name="number"/> (<paramref name="fd"/>) of <paramref name="thread"/>, read at <paramref name="timestamp"/>.</summary>
    internal bool Passes(ThreadInfo thread, long number, FdInfo fd, ulong timestamp)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_header, timestamp);
        BinaryPrimitives.WriteInt64LittleEndian(_header.AsSpan(8), thread.Tid);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(16), RawEvent.V1HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(_header.AsSpan(20), EventIds.SyscallReadX);
        var read = new RawEvent(_header, 0, RawEvent.V1HeaderSize, 0, 0, false, 0, 0);

        Inspector.FocusState saved = _state.SaveFocus();
        long lastFd = thread.LastEventFd;
        try
        {
            _state.FocusOnFd(thread, fd);
            thread.LastEventFd = number;
            _context.Set(read, EventTable.Get(EventIds.SyscallReadX), 0, 0);
            return _filter(_context);
        }
        finally
        {
            // sysdig leaves the thread's last fd pointing at the fd that matched; restoring it keeps
            // the events that follow (and the other views fed by the same pass) as sysdig parses them without a chisel.
            thread.LastEventFd = lastFd;
            _state.RestoreFocus(saved);
        }
    }
}
