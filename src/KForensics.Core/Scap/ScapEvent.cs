using System.Globalization;
using KForensics.Core.Scap.Decoding;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Reading;
using KForensics.Core.Scap.State;

namespace KForensics.Core.Scap;

/// <summary>
/// One event of a capture, in sysdig's vocabulary (the field each property stands for is named in
/// its summary). Everything is captured when the event is read; <see cref="Info"/> and
/// <see cref="Arguments"/> are built from the stored bytes on first use, with the state the event saw.
/// </summary>
public sealed class ScapEvent
{
    private readonly EventArena.Slice _bytes;
    private readonly ProcessImage? _image;
    private readonly ContainerInfo? _container;
    private readonly PodInfo? _pod;
    private readonly EventSnapshot _snapshot;
    private string? _info;
    private ScapEventArguments? _arguments;

    internal ScapEvent(ulong number, in RawEvent raw, EventArena.Slice bytes, EventInfo info, ThreadInfo? thread,
        ContainerInfo? container, PodInfo? pod, string? fdName, EventSnapshot snapshot, bool hidden, string source)
    {
        Number = number;
        RawTime = raw.Timestamp;
        Cpu = raw.Cpu;
        ThreadId = raw.ThreadId;
        EventInfo = info;
        _bytes = bytes;
        _image = thread?.Image;
        ProcessId = thread?.Pid;
        ContainerId = thread is null ? null : thread.ContainerId.Length == 0 ? ContainerInfo.Host.Id : thread.ContainerId;
        _container = container;
        _pod = pod;
        FdName = fdName;
        _snapshot = snapshot;
        IsHidden = hidden;
        Source = source;
    }

    /// <summary>evt.num: sysdig's numbering, counting the events it hides too.</summary>
    public ulong Number { get; }

    /// <summary>evt.rawtime: nanoseconds since the Unix epoch.</summary>
    public ulong RawTime { get; }

    /// <summary>evt.time, in UTC (to the 100 ns a DateTime holds; <see cref="RawTime"/> has the nanoseconds).</summary>
    public DateTime Time => ScapTime.ToDateTime(RawTime);

    /// <summary>evt.cpu.</summary>
    public int Cpu { get; }

    /// <summary>evt.dir: <c>&gt;</c> for enter events, <c>&lt;</c> for exit events.</summary>
    public string Direction => EventInfo.IsEnter ? ">" : "<";

    /// <summary>evt.type, e.g. <c>openat</c>.</summary>
    public string Type => EventInfo.Id is EventIds.GenericE or EventIds.GenericX ? SyscallName()
        : EventInfo.IsSysdigKnown ? EventInfo.SysdigName : EventInfo.Name;

    /// <summary>thread.tid.</summary>
    public long ThreadId { get; }

    /// <summary>proc.pid; null when the thread is unknown.</summary>
    public long? ProcessId { get; }

    /// <summary>proc.name; null (sysdig: &lt;NA&gt;) when the thread is unknown.</summary>
    public string? ProcessName => _image?.Comm;

    /// <summary>proc.cmdline: the name followed by the arguments.</summary>
    public string? CommandLine => _image?.CommandLine;

    /// <summary>fd.name; null for events without a file descriptor.</summary>
    public string? FdName { get; }

    /// <summary>container.id: 12 hex characters, or <c>host</c>.</summary>
    public string? ContainerId { get; }

    /// <summary>container.name (<c>host</c> on the host; null when no container event described the container).</summary>
    public string? ContainerName => ContainerId == ContainerInfo.Host.Id ? ContainerInfo.Host.Name
        : _container is { Name.Length: > 0 } c ? c.Name : null;

    /// <summary>container.image (null on the host, as sysdig prints it).</summary>
    public string? ContainerImage => ContainerId == ContainerInfo.Host.Id ? null
        : _container is { Image.Length: > 0 } c ? c.Image : null;

    /// <summary>k8s.pod.name: from the capture's k8s events when it has them, else the container's label <c>io.kubernetes.pod.name</c>.</summary>
    public string? PodName => ContainerId == ContainerInfo.Host.Id ? null : _pod?.Name ?? _container?.PodName;

    /// <summary>k8s.ns.name: from the capture's k8s events when it has them, else the container's label <c>io.kubernetes.pod.namespace</c>.</summary>
    public string? Namespace => ContainerId == ContainerInfo.Host.Id ? null : _pod?.Namespace ?? _container?.Namespace;

    /// <summary>evt.info: the arguments as sysdig prints them (built on first use).</summary>
    public string Info => _info ??= EventFormatter.FormatInfo(Raw, EventInfo, _snapshot);

    /// <summary>evt.arg.*: the arguments by name, typed (built on first use).</summary>
    public ScapEventArguments Arguments => _arguments ??= new ScapEventArguments(EventArguments.Decode(Raw, EventInfo, _snapshot));

    /// <summary>evt.category.</summary>
    public EventCategory Category => EventInfo.IsSysdigKnown ? EventInfo.SysdigCategory : EventInfo.Category;

    /// <summary>sysdig hides this event unless run with -D (internal events, state-only records).</summary>
    public bool IsHidden { get; }

    /// <summary>
    /// The fields asked for when the capture was read (Get-ScapEvent -Field), by name, as sysdig -p
    /// prints them; null where sysdig prints &lt;NA&gt;. Empty unless fields were asked for.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Fields { get; internal set; } = NoFields;

    private static readonly IReadOnlyDictionary<string, string?> NoFields = new Dictionary<string, string?>();

    /// <summary>The capture file the event comes from.</summary>
    public string Source { get; }

    /// <summary>The event table entry of this event (the engine's, not part of the output contract).</summary>
    internal EventInfo EventInfo { get; }

    /// <summary>The stored event (its bytes live as long as this object; the engine's, not part of the output contract).</summary>
    internal RawEvent Raw => _bytes.ToRawEvent();

    // Generic events stand for syscalls without their own event: the first parameter says which.
    private string SyscallName() => SysdigSyscallNames.Get(SysdigSyscallNames.IdOf(Raw));

    /// <summary>sysdig's default line: <c>evt.num evt.time evt.cpu proc.name (thread.tid) evt.dir evt.type evt.info</c>.</summary>
    public override string ToString()
    {
        DateTime t = Time;
        long ns = (long)(RawTime % 1_000_000_000UL);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Number} {t:HH:mm:ss}.{ns:D9} {Cpu} {ProcessName ?? "<NA>"} ({ThreadId}) {Direction} {Type} {Info}");
    }
}
