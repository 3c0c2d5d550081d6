using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.State;

namespace KForensics.Core.Analysis;

/// <summary>
/// The containers of a capture: every container its events describe (what sysdig's lscontainers
/// lists) and the host, each with the processes, threads and events seen in it, and the figures of
/// topcontainers_file, topcontainers_net and topcontainers_error (whose filters leave the host out;
/// here it is a row of its own, as topcontainers_cpu has it). With a filter, only containers with
/// events that pass it.
/// </summary>
public sealed class ContainerAggregator : ScapView
{
    /// <summary>topcontainers_file's filter, without its <c>container.name!=host</c>.</summary>
    public const string FileFilter = TopFigures.FileFilter;

    /// <summary>topcontainers_net's filter, without its <c>container.name!=host</c>.</summary>
    public const string NetFilter = TopFigures.NetFilter;

    /// <summary>topcontainers_error's filter, without its <c>container.name!=host</c>.</summary>
    public const string ErrorFilter = TopFigures.ErrorFilter;

    private static readonly Func<ScapFilterContext, string?> ContainerId = ScapFields.Text("container.id");
    private static readonly Func<ScapFilterContext, long?> ProcessId = ScapFields.Number("proc.pid");
    private static readonly Func<ScapFilterContext, long?> ThreadId = ScapFields.Number("thread.tid");
    private static readonly Func<ScapFilterContext, string?> PodName = ScapFields.Text("k8s.pod.name");
    private static readonly Func<ScapFilterContext, string?> Namespace = ScapFields.Text("k8s.ns.name");

    private readonly Dictionary<string, Activity> _activity = new(StringComparer.Ordinal);
    private Inspector? _state;

    public ContainerAggregator(Func<ScapFilterContext, bool>? userFilter = null)
        : base(userFilter)
    {
    }

    private protected override void Begin(Inspector state, CaptureSpan span) => _state = state;

    private protected override void Observe(ScapFilterContext c)
    {
        if (ContainerId(c) is not { } id)
        {
            // No thread, so no container either.
            return;
        }

        if (!_activity.TryGetValue(id, out Activity? a))
        {
            a = new Activity { First = c.Raw.Timestamp };
            _activity.Add(id, a);
        }

        a.Events++;
        a.Last = c.Raw.Timestamp;
        if (ProcessId(c) is { } pid)
        {
            a.Processes.Add(pid);
        }

        if (ThreadId(c) is { } tid)
        {
            a.Threads.Add(tid);
        }

        (long fileBytes, long netBytes, bool failed) = TopFigures.Of(c);
        a.FileBytes += fileBytes;
        a.NetBytes += netBytes;
        if (failed)
        {
            a.Errors++;
        }

        a.PodName ??= PodName(c);
        a.Namespace ??= Namespace(c);
    }

    /// <summary>The rows so far: the busiest container first, the host among them.</summary>
    public IReadOnlyList<ScapContainer> Rows(string source)
    {
        var ids = new List<string>(_activity.Keys);
        if (UserFilter is null && _state is not null)
        {
            ids.AddRange(_state.Containers.All.Select(c => c.Id).Where(id => !_activity.ContainsKey(id)));
            if (!_activity.ContainsKey(ContainerInfo.Host.Id))
            {
                ids.Add(ContainerInfo.Host.Id);
            }
        }

        return ids.Select(id => new ScapContainer(source, id, Totals(id)))
            .OrderByDescending(r => r.Events).ThenBy(r => r.Name ?? r.Id, StringComparer.Ordinal).ThenBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
    }

    public override IEnumerable<object> RowObjects(string source) => Rows(source);

    private ContainerTotals Totals(string id)
    {
        ContainerInfo? info = id == ContainerInfo.Host.Id ? ContainerInfo.Host : _state?.Containers.Find(id);
        PodInfo? pod = _state?.K8s.FindByContainer(id);
        var t = new ContainerTotals();
        if (info is { IsIdOnly: false })
        {
            t.Name = info.Name;
            t.Type = ScapFieldBinder.ContainerTypeName(info);
            t.Image = NonEmpty(info.Image);
            t.ImageRepository = NonEmpty(info.ImageRepository);
            t.ImageTag = NonEmpty(info.ImageTag);
            t.ImageDigest = NonEmpty(info.ImageDigest);
            t.ImageId = NonEmpty(info.ImageId);
            t.IpAddress = info.Ip?.ToString();
            t.Privileged = info.Id == ContainerInfo.Host.Id ? null : info.Privileged;
            t.PodName = info.PodName;
            t.Namespace = info.Namespace;
        }

        t.PodName ??= pod?.Name;
        t.Namespace ??= pod?.Namespace;
        if (_activity.TryGetValue(id, out Activity? a))
        {
            // The pod an event saw wins over the end state: Kubernetes events may delete it later.
            t.PodName = a.PodName ?? t.PodName;
            t.Namespace = a.Namespace ?? t.Namespace;
            t.Processes = a.Processes.Count;
            t.Threads = a.Threads.Count;
            t.Events = a.Events;
            t.FileBytes = a.FileBytes;
            t.NetBytes = a.NetBytes;
            t.Errors = a.Errors;
            t.First = a.First;
            t.Last = a.Last;
        }

        return t;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private sealed class Activity
    {
        public HashSet<long> Processes { get; } = [];

        public HashSet<long> Threads { get; } = [];

        public long Events { get; set; }

        public long FileBytes { get; set; }

        public long NetBytes { get; set; }

        public long Errors { get; set; }

        public ulong First { get; init; }

        public ulong Last { get; set; }

        public string? PodName { get; set; }

        public string? Namespace { get; set; }
    }
}
