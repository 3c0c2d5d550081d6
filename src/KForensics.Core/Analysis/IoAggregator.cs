using KForensics.Core.Scap.Fields;

namespace KForensics.Core.Analysis;

/// <summary>
/// The machinery of sysdig's table_generator chisel: events that pass the chisel's own filter and the
/// user's filter add their <c>evt.rawarg.res</c> (when positive) to a row keyed by a few fields. Memory
/// grows with the number of rows, not with the number of events.
/// </summary>
public abstract class IoAggregator<TRow> : ScapView
{
    private static readonly Func<ScapFilterContext, long?> Result = ScapFields.Number("evt.rawarg.res");
    private static readonly Func<ScapFilterContext, long?> IsRead = ScapFields.Number("evt.is_io_read");
    private static readonly Func<ScapFilterContext, string?> ProcessName = ScapFields.Text("proc.name");
    private static readonly Func<ScapFilterContext, long?> ProcessId = ScapFields.Number("proc.pid");
    private static readonly Func<ScapFilterContext, string?> ContainerId = ScapFields.Text("container.id");
    private static readonly Func<ScapFilterContext, string?> ContainerName = ScapFields.Text("container.name");

    private readonly Func<ScapFilterContext, bool> _viewFilter;
    private readonly Func<ScapFilterContext, bool>? _openFilter;

    /// <param name="viewFilter">The chisel's filter: events whose bytes count.</param>
    /// <param name="openFilter">Events counted as opens of a row (no bytes), or null.</param>
    /// <param name="userFilter">The user's compiled filter, or null.</param>
    private protected IoAggregator(string viewFilter, string? openFilter, Func<ScapFilterContext, bool>? userFilter)
        : base(userFilter)
    {
        _viewFilter = ScapFieldBinder.Compile(viewFilter);
        _openFilter = openFilter is null ? null : ScapFieldBinder.Compile(openFilter);
    }

    private protected override void Observe(ScapFilterContext context)
    {
        if (_viewFilter(context))
        {
            Add(context, false);
        }
        else if (_openFilter is not null && _openFilter(context))
        {
            Add(context, true);
        }
    }

    private void Add(ScapFilterContext c, bool open)
    {
        // table_generator drops events where a key field is missing and values that are not positive.
        long bytes = open ? 0 : Result(c).GetValueOrDefault();
        if ((!open && bytes <= 0) || ContainerId(c) is not { } containerId || ContainerName(c) is not { } containerName)
        {
            return;
        }

        var io = new IoEvent(c, c.Raw.Timestamp, bytes, open, !open && IsRead(c) == 1, ProcessName(c), ProcessId(c), containerId, containerName);
        Add(io);
    }

    /// <summary>Adds one counted I/O event to its row.</summary>
    private protected abstract void Add(in IoEvent io);

    /// <summary>The rows so far, largest total first.</summary>
    public abstract IReadOnlyList<TRow> Rows(string source);

    public override IEnumerable<object> RowObjects(string source) => Rows(source).Cast<object>();

    private protected readonly record struct IoEvent(ScapFilterContext Context, ulong Timestamp, long Bytes, bool IsOpen, bool IsRead,
        string? ProcessName, long? ProcessId, string ContainerId, string ContainerName);

    /// <summary>What every row keeps: bytes each way, opens, the processes and the time span.</summary>
    private protected class RowTotals
    {
        private readonly List<string> _processes = [];

        public RowTotals(in IoEvent io)
        {
            ContainerId = io.ContainerId;
            ContainerName = io.ContainerName;
            ProcessName = io.ProcessName;
            ProcessId = io.ProcessId;
            First = io.Timestamp;
        }

        public string ContainerId { get; }

        public string ContainerName { get; }

        public string? ProcessName { get; }

        public long? ProcessId { get; }

        public IReadOnlyList<string> Processes => _processes;

        public long Read { get; private set; }

        public long Written { get; private set; }

        public long Events { get; private set; }

        public long Opens { get; private set; }

        public ulong First { get; }

        public ulong Last { get; private set; }

        public virtual void Add(in IoEvent io)
        {
            if (io.IsOpen)
            {
                Opens++;
            }
            else if (io.IsRead)
            {
                Read += io.Bytes;
            }
            else
            {
                Written += io.Bytes;
            }

            Events += io.IsOpen ? 0 : 1;
            Last = io.Timestamp;
            if (io.ProcessName is { } name && !_processes.Contains(name))
            {
                _processes.Add(name);
            }
        }
    }
}
