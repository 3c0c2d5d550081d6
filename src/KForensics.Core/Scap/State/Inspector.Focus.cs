namespace KForensics.Core.Scap.State;

internal sealed partial class Inspector
{
    /// <summary>What the fields of the last event read, kept while a view looks at the tables through a made-up event.</summary>
    internal readonly record struct FocusState(ThreadInfo? Thread, FdInfo? Fd, string? FdName, ContainerInfo? Container, bool ContainerKnown, FdInfo? EventFd, bool FdNameChanged, SyslogMessage? Syslog);

    // The container as it stands: saving it must not look it up.
    internal FocusState SaveFocus() => new(Thread, Fd, FdName, _container, _containerKnown, _evtFd, FdNameChanged, Syslog);

    internal void RestoreFocus(in FocusState focus)
    {
        Thread = focus.Thread;
        Fd = focus.Fd;
        FdName = focus.FdName;
        FdNameChanged = focus.FdNameChanged;
        Syslog = focus.Syslog;
        _container = focus.Container;
        _containerKnown = focus.ContainerKnown;
        _evtFd = focus.EventFd;
    }

    /// <summary>
    /// Points the fields at one fd of a thread, as sysdig's chisel API does when it filters its thread
    /// table: it runs the filter on a made-up read exit carrying that thread and fd.
    /// </summary>
    internal void FocusOnFd(ThreadInfo thread, FdInfo fd)
    {
        Thread = thread;
        Fd = fd;
        _evtFd = fd;
        FdName = fd.Name;
        FdNameChanged = false;
        _containerKnown = false;
    }
}
