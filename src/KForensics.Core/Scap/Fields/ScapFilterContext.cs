using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.State;

namespace KForensics.Core.Scap.Fields;

/// <summary>
/// What a compiled filter sees of one event: the stored event, its table entry and the state after
/// sysdig's parser ran on it. One instance per reader, refilled for every event, so filtering
/// allocates nothing for events that fail.
/// </summary>
public sealed class ScapFilterContext
{
    private bool _hasSnapshot;
    private EventSnapshot _snapshot;

    internal ScapFilterContext(Inspector state)
    {
        State = state;
    }

    internal Inspector State { get; }

    internal RawEvent Raw { get; private set; }

    internal EventInfo Info { get; private set; } = null!;

    internal ulong Number { get; private set; }

    /// <summary>sysdig does not print this event without -D (internal events); chisels still get it.</summary>
    internal bool Hidden { get; private set; }

    /// <summary>sysdig's parser dropped this event (state only): chisels see only its time, never the event.</summary>
    internal bool Dropped { get; private set; }

    /// <summary>Timestamp of the first event of the capture (evt.reltime).</summary>
    internal ulong FirstTimestamp { get; private set; }

    internal Func<RawEvent, EventInfo, EventSnapshot>? SnapshotFactory { get; set; }

    internal ThreadInfo? Thread => State.Thread;

    internal FdInfo? Fd => State.Fd;

    internal ContainerInfo? Container => State.Container;

    /// <summary>The state a formatted argument needs (cwd, fd entries), taken once per event and only when asked.</summary>
    internal EventSnapshot Snapshot
    {
        get
        {
            if (!_hasSnapshot)
            {
                _snapshot = SnapshotFactory is { } make ? make(Raw, Info) : EventSnapshot.NoThread;
                _hasSnapshot = true;
            }

            return _snapshot;
        }
    }

    internal void Set(in RawEvent raw, EventInfo info, ulong number, ulong firstTimestamp, bool hidden = false, bool dropped = false)
    {
        Hidden = hidden;
        Dropped = dropped;
        Raw = raw;
        Info = info;
        Number = number;
        FirstTimestamp = firstTimestamp;

        _hasSnapshot = false;
    }
}
