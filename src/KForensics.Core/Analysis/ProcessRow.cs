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

    // What the identity was last read from; it is read again only when one of these changes.
    private ThreadInfo? _thread;
    private ProcessImage? _image;
    private ProcessImage? _parentImage;
    private uint _uid;
    private long _ptid;
    private ContainerInfo? _container;

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
        if (!ReferenceEquals(t, _thread) || !ReferenceEquals(t.Image, _image) || !ReferenceEquals(parentImage, _parentImage)
            || t.Uid != _uid || t.Ptid != _ptid || !ReferenceEquals(c.Container, _container))
        {
            (_thread, _image, _parentImage, _uid, _ptid, _container) = (t, t.Image, parentImage, t.Uid, t.Ptid, c.Container);
            string? exe = Exe(c);
            Identity = new ProcessIdentity(Name(c), exe, ExePath(c) is { Length: > 0 } path ? path : null, CommandLine(exe, Args(c)),
                ParentId(c), ParentName(c), UserName(c), UserId(c), ContainerId(c), ContainerName(c));
        }
    }

    /// <summary>proc.exeline without the space sinsp leaves after an exe that has no arguments.</summary>
    public static string? CommandLine(string? exe, string? args) => exe is null ? null : string.IsNullOrEmpty(args) ? exe : exe + " " + args;

    public ScapProcess ToProcess(string source)
        => new(source, ProcessId, Identity, InProcessList, Events == 0 ? null : ScapTime.ToDateTime(First), Events == 0 ? null : ScapTime.ToDateTime(Last), Events,
            Threads.Count, ExitedThread is not null, CpuTicks, FileBytes, NetworkBytes, Errors);
}
