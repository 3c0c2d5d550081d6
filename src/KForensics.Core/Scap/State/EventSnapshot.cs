using System.Diagnostics.CodeAnalysis;
using KForensics.Core.Scap.Decoding;

namespace KForensics.Core.Scap.State;

/// <summary>
/// What an event's text needs from the state, taken when the event was read: the thread's cwd,
/// the fd entries its fd parameters name, the names of the threads its pid parameters name, and
/// the capture's user list. Entries are immutable, so holding them keeps that moment. The common
/// case (one fd, one pid) is held inline; anything beyond sits in <see cref="SnapshotExtra"/>.
/// </summary>
internal readonly struct EventSnapshot : IEventContext
{
    private readonly long _fd0;
    private readonly FdInfo? _info0;
    private readonly long _pid0;
    private readonly string? _comm0;
    private readonly SnapshotExtra? _extra;
    private readonly UserTable? _users;

    public EventSnapshot(bool hasThread, string? cwd, long fd0, FdInfo? info0, long pid0, string? comm0, SnapshotExtra? extra, UserTable? users)
    {
        HasThread = hasThread;
        Cwd = cwd;
        _fd0 = fd0;
        _info0 = info0;
        _pid0 = pid0;
        _comm0 = comm0;
        _extra = extra;
        _users = users;
    }

    public static EventSnapshot NoThread { get; } = new(false, null, long.MinValue, null, long.MinValue, null, null, null);

    public string? Cwd { get; }

    public bool HasThread { get; }

    public bool TryGetFd(long fd, out string typeTag, out string name)
    {
        FdInfo? found = fd == _fd0 ? _info0 : null;
        if (found is null && _extra?.Fds is { } more)
        {
            foreach ((long f, FdInfo? i) in more)
            {
                if (f == fd && i is not null)
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
        if (_comm0 is not null && tid == _pid0)
        {
            comm = _comm0;
            return true;
        }

        if (_extra?.Threads is { } more)
        {
            foreach ((long t, string c) in more)
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

/// <summary>The fds and threads an event names beyond the first of each (poll lists, dup2, several pids).</summary>
internal sealed class SnapshotExtra
{
    public List<(long Fd, FdInfo? Info)>? Fds { get; set; }

    public List<(long Tid, string Comm)>? Threads { get; set; }
}
