using KForensics.Core.Analysis;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Report;

/// <summary>
/// The report's own view of a capture: events per time bucket for each container (the host is a lane
/// too), with the executed commands, file opens and connections marked, and the figures of the summary.
/// </summary>
public sealed class ActivityTimeline : ScapView
{
    /// <summary>Executed commands: successful exec exits (the process then has the new command line).</summary>
    public const string CommandFilter = "evt.type in (execve, execveat) and evt.dir=< and evt.failed=false";

    /// <summary>Connections made or accepted on IPv4/IPv6 sockets.</summary>
    public const string ConnectionFilter = "evt.type in (connect, accept, accept4) and evt.dir=< and fd.type in (ipv4, ipv6)";

    /// <summary>Commands kept with their command line per lane; beyond this the lane only counts them.</summary>
    public const int MaxCommandMarks = 200;

    /// <summary>The lane of events that have no thread, hence no container.</summary>
    internal const string NoThreadId = "";

    private static readonly Func<ScapFilterContext, bool> IsCommand = ScapFieldBinder.Compile(CommandFilter);
    private static readonly Func<ScapFilterContext, bool> IsFileOpen = ScapFieldBinder.Compile(FileAccessAggregator.OpenFilter);
    private static readonly Func<ScapFilterContext, bool> IsConnection = ScapFieldBinder.Compile(ConnectionFilter);
    private static readonly Func<ScapFilterContext, string?> ContainerId = ScapFields.Text("container.id");
    private static readonly Func<ScapFilterContext, string?> ContainerName = ScapFields.Text("container.name");
    private static readonly Func<ScapFilterContext, string?> ContainerImage = ScapFields.Text("container.image");
    private static readonly Func<ScapFilterContext, string?> CommandLine = ScapFields.Text("proc.cmdline");
    private static readonly Func<ScapFilterContext, long?> ProcessId = ScapFields.Number("proc.pid");

    private readonly Dictionary<string, TimelineLane> _lanes = new(StringComparer.Ordinal);
    private TimelineLane? _last;

    /// <param name="userFilter">The user's compiled filter, or null for every event.</param>
    public ActivityTimeline(Func<ScapFilterContext, bool>? userFilter = null)
        : base(userFilter)
    {
    }

    /// <summary>The shared time axis of the lanes.</summary>
    internal ActivityHistogram Histogram { get; } = new();

    /// <summary>The lanes in order of first appearance.</summary>
    internal IReadOnlyCollection<TimelineLane> Lanes => _lanes.Values;

    /// <summary>Every event observed (that passed the user's filter).</summary>
    public long Events { get; private set; }

    /// <summary>Timestamp of the earliest event in ns since the epoch; 0 without events.</summary>
    public ulong First { get; private set; }

    /// <summary>Timestamp of the latest event in ns since the epoch; 0 without events.</summary>
    public ulong Last { get; private set; }

    private protected override void Observe(ScapFilterContext context)
    {
        ulong t = context.Raw.Timestamp;
        Events++;
        if (t == 0)
        {
            // Only descriptions without a time (container records) have none; they belong on no axis.
            return;
        }

        First = First == 0 ? t : Math.Min(First, t);
        Last = Math.Max(Last, t);

        string id = ContainerId(context) ?? NoThreadId;
        TimelineLane lane = _last is { } last && string.Equals(last.Id, id, StringComparison.Ordinal) ? last : LaneOf(id);
        _last = lane;
        if (!lane.Resolved)
        {
            // Container details can arrive after the container's first event.
            lane.Resolve(ContainerName(context), ContainerImage(context));
        }

        int bucket = Histogram.Bucket(t);
        lane.Add(bucket, t);
        if (IsCommand(context))
        {
            lane.AddCommand(t, ProcessId(context), CommandLine(context));
        }
        else if (IsFileOpen(context))
        {
            lane.FileOpens[bucket]++;
            lane.FileOpenCount++;
        }
        else if (IsConnection(context))
        {
            lane.Connections[bucket]++;
            lane.ConnectionCount++;
        }
    }

    private TimelineLane LaneOf(string id)
    {
        if (!_lanes.TryGetValue(id, out TimelineLane? lane))
        {
            lane = new TimelineLane(id, Histogram);
            _lanes.Add(id, lane);
        }

        return lane;
    }

    /// <summary>One row per lane, the busiest first.</summary>
    public IReadOnlyList<ContainerActivity> Containers(string source)
        => _lanes.Values.OrderByDescending(l => l.EventCount).ThenBy(l => l.Name, StringComparer.Ordinal)
            .Select(l => new ContainerActivity(source, l.Id, l.Name, l.Image, l.EventCount, l.CommandCount, l.FileOpenCount,
                l.ConnectionCount, ScapTime.ToDateTime(l.First), ScapTime.ToDateTime(l.Last)))
            .ToList();

    /// <summary>The figures of the whole capture.</summary>
    public CaptureActivity Summary(string source)
    {
        DateTime? first = First == 0 ? null : ScapTime.ToDateTime(First);
        DateTime? last = Last == 0 ? null : ScapTime.ToDateTime(Last);
        return new CaptureActivity(source, Events, first, last, last - first,
            _lanes.Keys.Count(k => k is not ("host" or NoThreadId)),
            _lanes.Values.Sum(l => l.CommandCount), _lanes.Values.Sum(l => l.FileOpenCount), _lanes.Values.Sum(l => l.ConnectionCount));
    }

    public override IEnumerable<object> RowObjects(string source) => Containers(source);
}
