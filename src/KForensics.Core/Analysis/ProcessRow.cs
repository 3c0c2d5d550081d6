using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.State;

namespace KForensics.Core.Analysis;

/// <summary>One process while a capture is read: counters, threads, and its identity as of its last event.</summary>
internal sealed class ProcessRow
{
    private static readonly Func<ScapFilterContext, string?> Name = ScapFields.Bind("proc.aname", 0).String!;
    private static readonly Func<ScapFilterContext, string?> Exe = ScapFields.Text("proc.exe");
    private static readonly Func<ScapFilterContext, string?> ExePath = ScapFields.Text("proc.exepath");
    private static readonly Func<ScapFilterContext, string?> Args = ScapFields.Text("proc.args");
    private static readonly Func<ScapFilterContext, long?> ParentId = ScapFields.Number("proc.ppid");
    private static readonly Func<ScapFilterContext, string?> ParentName = ScapFields.Text("proc.pname");
    private static readonly Func<ScapFilterContext, string?> UserName = ScapFields.Text("user.name");
    private static readonly Func<ScapFilterContext, long?> UserId = ScapFields.Number("user.uid");
    private static readonly Func<ScapFilterContext, string?> ContainerId = ScapFields.Text("container.id");
    private static readonly Func<ScapFilterContext, string?> ContainerName = ScapFields.Text("container.name");

    // What the identity was last read from, per thread of the process: it is read again only when one of
    // these changes, so threads that take turns do not rebuild it on every event.
    private readonly Dictionary<ThreadInfo, IdentitySource> _sources = new(ReferenceEqualityComparer.Instance);
    private ThreadInfo? _thread;

    public ProcessRow(long processId, int order, ProcessIdentity identity)
    {
        ProcessId = processId;
        Order = order;
        Identity = identity;
    }

    public long ProcessId { get; }

    /// <summary>When the row was made, to keep rows of one pid in order.</summary>
    public int Order { get; }

    public ProcessIdentity Identity { get; private set; }

    public bool InProcessList { get; set; }

    public HashSet<long> Threads { get; } = [];

    public ulong First { get; private set; }

    public ulong Last { get; private set; }

    public long Events { get; private set; }

    /// <summary>The main thread whose procexit the capture holds, or null.</summary>
    public ThreadInfo? ExitedThread { get; set; }

    public long CpuTicks { get; set; }

    public long FileBytes { get; set; }

    public long NetworkBytes { get; set; }

    public long Errors { get; set; }

    public void AddEvent(ScapFilterContext c)
    {
        ulong ts = c.Raw.Timestamp;
        if (Events == 0)
        {
            First = ts;
        }

        Events++;
        Last = ts;
        Threads.Add(c.Raw.ThreadId);

        ThreadInfo t = c.Thread!;
        ProcessImage? parentImage = c.State.Threads.Find(t.Ptid)?.Image;

        // The main thread as a lookup finds it (reading the identity may add a missing one, as the fields do).
        ThreadInfo? main = t.Pid == t.Tid ? t : c.State.Threads.Find(t.Pid);
        var source = new IdentitySource(t.Image, main?.Image, parentImage, t.Uid, t.Ptid, main?.Ptid, c.Container);
        if (_sources.TryGetValue(t, out IdentitySource seen) && seen.SameAs(source))
        {
            if (!ReferenceEquals(t, _thread))
            {
                (_thread, Identity) = (t, seen.Identity!);
            }

            return;
        }

        _thread = t;
        string? exe = Exe(c);
        Identity = new ProcessIdentity(Name(c), exe, ExePath(c) is { Length: > 0 } path ? path : null, CommandLine(exe, Args(c)),
            ParentId(c), ParentName(c), UserName(c), UserId(c), ContainerId(c), ContainerName(c));
        _sources[t] = source with { Identity = Identity };
    }

    /// <summary>proc.exeline without the space sinsp leaves after an exe that has no arguments.</summary>
    public static string? CommandLine(string? exe, string? args) => exe is null ? null : string.IsNullOrEmpty(args) ? exe : exe + " " + args;

    /// <summary>What a thread's identity was read from, and the identity read.</summary>
    private readonly record struct IdentitySource(ProcessImage Image, ProcessImage? MainImage, ProcessImage? ParentImage, uint Uid, long Ptid, long? MainPtid,
        ContainerInfo? Container)
    {
        public ProcessIdentity? Identity { get; init; }

        public bool SameAs(in IdentitySource other)
            => ReferenceEquals(Image, other.Image) && ReferenceEquals(MainImage, other.MainImage) && ReferenceEquals(ParentImage, other.ParentImage)
                && Uid == other.Uid && Ptid == other.Ptid && MainPtid == other.MainPtid && ReferenceEquals(Container, other.Container);
    }

    public ScapProcess ToProcess(string source)
        => new(source, ProcessId, Identity, InProcessList, Events == 0 ? null : ScapTime.ToDateTime(First), Events == 0 ? null : ScapTime.ToDateTime(Last), Events,
            Threads.Count, ExitedThread is not null, CpuTicks, FileBytes, NetworkBytes, Errors);
}
