using System.Diagnostics.CodeAnalysis;
using KForensics.Core.Scap.State;

namespace KForensics.Core.Scap;

/// <summary>
/// What an event's text needs from the state, taken when the event was read: the thread's cwd,
/// the fd entries its fd parameters name, the names of the threads its pid parameters name, and
/// the capture's user list. Entries are immutable, so holding them keeps that moment.
/// </summary>
internal readonly struct EventSnapshot : IEventContext
{
    private readonly long _fd0;
    private readonly FdInfo? _info0;
    private readonly long _fd1;
    private readonly FdInfo? _info1;
    private readonly (long Fd, FdInfo? Info)[]? _more;
    private readonly (long Tid, string Comm)[]? _threads;
    private readonly UserTable? _users;

    public EventSnapshot(bool hasThread, string? cwd, long fd0, FdInfo? info0, long fd1, FdInfo? info1,
        (long, FdInfo?)[]? more, (long, string)[]? threads, UserTable? users)
    {
        HasThread = hasThread;
        Cwd = cwd;
        _fd0 = fd0;
        _info0 = info0;
        _fd1 = fd1;
        _info1 = info1;
        _more = more;
        _threads = threads;
        _users = users;
    }

    public static EventSnapshot NoThread { get; } = new(false, null, long.MinValue, null, long.MinValue, null, null, null, null);

    public string? Cwd { get; }

    public bool HasThread { get; }

    public bool TryGetFd(long fd, out string typeTag, out string name)
    {
        FdInfo? found = fd == _fd0 ? _info0 : fd == _fd1 ? _info1 : null;
        if (found is null && _more is not null)
        {
            foreach ((long f, FdInfo? i) in _more)
            {
                if (f == fd)
                {
                    found = i;
                    break;
                }
            }
        }

        typeTag = found?.TypeTag ?? "";
        name = found?.Name ?? "";
        return found is not null;
    }

    public bool TryGetThreadName(long tid, [NotNullWhen(true)] out string? comm)
    {
        if (_threads is not null)
        {
            foreach ((long t, string c) in _threads)
            {
                if (t == tid)
                {
                    comm = c;
                    return true;
                }
            }
        }

        comm = null;
        return false;
    }

    public bool TryGetUserName(uint uid, [NotNullWhen(true)] out string? name)
    {
        name = _users?.FindUser(uid)?.Name;
        return name is not null;
    }

    public bool TryGetGroupName(uint gid, [NotNullWhen(true)] out string? name)
    {
        name = _users?.FindGroup(gid)?.Name;
        return name is not null;
    }
}
