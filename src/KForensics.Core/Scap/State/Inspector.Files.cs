using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.State;

internal sealed partial class Inspector
{
    private const uint OpenFlagDirectory = 1u << 10;
    private const long AtFdCwd = -100;

    private void ParseOpenExit(in RawEvent ev, int type)
    {
        if (Thread is not { } t)
        {
            return;
        }

        bool haveEnter = RetrieveEnter(ev, out RawEvent enter);
        long fd = Params.I64(ev, 0);
        string? name;
        uint flags;
        string dir;
        if (type is Ppme.OpenX or Ppme.CreatX)
        {
            name = Params.Get(ev, 1).IsEmpty ? null : Params.Str(ev, 1);
            flags = type == Ppme.OpenX ? Params.U32(ev, 2) : 0;
            int need = type == Ppme.OpenX ? 2 : 1;
            if (haveEnter && enter.ParamCount >= need && !Params.Get(enter, 0).IsEmpty)
            {
                string enterName = Params.Str(enter, 0);
                if (enterName != "(NULL)")
                {
                    name = enterName;
                    flags = type == Ppme.OpenX ? Params.U32(enter, 1) : 0;
                }
            }

            dir = Threads.CwdOf(t);
        }
        else if (type == Ppme.OpenAtX)
        {
            // The old openat exit has no name: it lives only in the enter event.
            if (!haveEnter)
            {
                enter = default;
            }

            name = haveEnter && !Params.Get(enter, 1).IsEmpty ? Params.Str(enter, 1) : null;
            flags = haveEnter ? Params.U32(enter, 2) : 0;
            long dirfd = haveEnter ? Params.I64(enter, 0) : 0;
            dir = ResolveDirFd(t, name, dirfd);
        }
        else
        {
            name = Params.Get(ev, 2).IsEmpty ? null : Params.Str(ev, 2);
            flags = Params.U32(ev, 3);
            long dirfd = Params.I64(ev, 1);
            if (haveEnter && enter.ParamCount >= 3 && !Params.Get(enter, 1).IsEmpty)
            {
                string enterName = Params.Str(enter, 1);
                if (enterName != "(NULL)")
                {
                    name = enterName;
                    flags = Params.U32(enter, 2);
                    dirfd = Params.I64(enter, 0);
                }
            }

            dir = ResolveDirFd(t, name, dirfd);
        }

        // The device, where the exit layout has it: open's 5th, creat's 4th, the newer openat's 6th parameter.
        int devIndex = type switch { Ppme.OpenX => 4, Ppme.CreatX => 3, Ppme.OpenAt2X => 5, _ => -1 };
        uint dev = devIndex >= 0 && ev.ParamCount > devIndex ? Params.U32(ev, devIndex) : 0;
        if (fd >= 0)
        {
            string full = SinspPath.Concatenate(dir, name);
            var type2 = (flags & OpenFlagDirectory) != 0 ? ScapFdType.Directory : ScapFdType.FileV2;
            var opened = new FdInfo(type2, full) { OpenFlags = flags, NameRaw = name ?? "", Dev = dev };
            ListenForSyslog(opened);
            AddFd(t, fd, opened);
            FdNameChanged = true;
        }
    }

    /// <summary>sinsp's parse_dirfd: the directory a relative path is resolved against (it also points the event at the dirfd).</summary>
    private string ResolveDirFd(ThreadInfo t, string? name, long dirfd)
    {
        if (name is { Length: > 0 } && name[0] == '/')
        {
            return ".";
        }

        if (dirfd == AtFdCwd)
        {
            return Threads.CwdOf(t);
        }

        FdInfo? dirInfo = Threads.GetFd(t, dirfd);
        _evtFd = dirInfo;
        if (dirInfo is null)
        {
            return "<UNKNOWN>";
        }

        return dirInfo.Name + "/";
    }

    private void ParseCloseEnter()
    {
        if (_evtFd is { } closing)
        {
            closing.CloseInProgress = true;
        }
    }

    private void ParseCloseExit(in RawEvent ev)
    {
        if (Params.I64(ev, 0) < 0)
        {
            if (_evtFd is { } kept)
            {
                kept.CloseInProgress = false;
            }

            return;
        }

        if (_evtFd is not { } closed || Thread is not { } t)
        {
            return;
        }

        if (closed.CloseCanceled)
        {
            closed.CloseCanceled = false;
            if (Threads.GetFd(t, CanceledFd) is not null)
            {
                EraseFd(t, CanceledFd);
            }
        }
        else
        {
            EraseFd(t, t.LastEventFd);
        }
    }

    private void ParsePipeExit(in RawEvent ev)
    {
        if (Params.I64(ev, 0) < 0 || Thread is not { } t)
        {
            return;
        }

        long fd1 = Params.I64(ev, 1), fd2 = Params.I64(ev, 2);
        ulong ino = (ulong)Params.I64(ev, 3);
        AddFd(t, fd1, new FdInfo(ScapFdType.Fifo, "") { Ino = ino });
        AddFd(t, fd2, new FdInfo(ScapFdType.Fifo, "") { Ino = ino });
    }

    private void AddSimpleFd(in RawEvent ev, ScapFdType type)
    {
        long fd = Params.I64(ev, 0);
        if (fd >= 0 && Thread is { } t)
        {
            AddFd(t, fd, new FdInfo(type, ""));
        }
    }

    private void ParseDupExit(in RawEvent ev)
    {
        long res = Params.I64(ev, 0);
        if (res < 0 || Thread is not { } t || _evtFd is not { } source)
        {
            return;
        }

        AddFd(t, res, source.Clone());
    }
}
