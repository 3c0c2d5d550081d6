using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.State;

internal sealed partial class Inspector
{
    private readonly Dictionary<string, ThreadInfo> _containerThreads = new(StringComparer.Ordinal);

    private void Dispatch(in RawEvent ev, EventInfo info, int type)
    {
        if (type == Ppme.SendToE && _evtFd is null && Thread is not null)
        {
            InferSendToFd(ev);
        }

        if (Ppme.IsStored(type))
        {
            StoreEnter(ev);
            return;
        }

        switch (type)
        {
            case Ppme.ReadX or Ppme.WriteX or Ppme.RecvX or Ppme.SendX or Ppme.RecvFromX or Ppme.RecvMsgX or Ppme.SendToX
                or Ppme.SendMsgX or Ppme.ReadvX or Ppme.WritevX or Ppme.PreadX or Ppme.PwriteX or Ppme.PreadvX or Ppme.PwritevX:
                ParseReadWriteExit(ev, info, type);
                break;
            case Ppme.OpenX or Ppme.CreatX or Ppme.OpenAtX or Ppme.OpenAt2X or Ppme.OpenAt2NewX:
                ParseOpenExit(ev, type);
                break;
            case Ppme.PipeX:
                ParsePipeExit(ev);
                break;
            case Ppme.SocketX:
                ParseSocketExit(ev);
                break;
            case Ppme.BindX:
                ParseBindExit(ev);
                break;
            case Ppme.ConnectE:
                ParseConnectEnter(ev);
                break;
            case Ppme.ConnectX:
                ParseConnectExit(ev);
                break;
            case Ppme.AcceptX or Ppme.Accept5X or Ppme.Accept4X or Ppme.Accept45X:
                ParseAcceptExit(ev);
                break;
            case Ppme.CloseE:
                ParseCloseEnter();
                break;
            case Ppme.CloseX:
                ParseCloseExit(ev);
                break;
            case Ppme.EventFdX:
                AddSimpleFd(ev, ScapFdType.Event);
                break;
            case Ppme.SignalFdX:
                AddSimpleFd(ev, ScapFdType.SignalFd);
                break;
            case Ppme.TimerFdCreateX:
                AddSimpleFd(ev, ScapFdType.TimerFd);
                break;
            case Ppme.InotifyInitX:
                AddSimpleFd(ev, ScapFdType.Inotify);
                break;
            case Ppme.ChdirX:
                if (Thread is { } ct && Params.I64(ev, 0) >= 0)
                {
                    Threads.SetCwd(ct, Params.Str(ev, 1));
                }

                break;
            case Ppme.FchdirX:
                if (Params.I64(ev, 0) >= 0 && _evtFd is { } dir && Thread is { } ft)
                {
                    Threads.SetCwd(ft, dir.Name);
                }

                break;
            case Ppme.GetSockOptX:
                // Only the fd is taken from getsockopt (sinsp tracks connection status only live).
                if (ev.ParamCount > 0 && Thread is { } gt)
                {
                    long sockFd = Params.I64(ev, 1);
                    _evtFd = Threads.GetFd(Threads.MainThread(gt), sockFd);
                    gt.LastEventFd = sockFd;
                }

                break;
            case Ppme.DupX:
                ParseDupExit(ev);
                break;
            case Ppme.SocketPairX:
                ParseSocketPairExit(ev);
                break;
            case Ppme.SetResUidX:
                SetIds(ev, uid: true, paramIndex: 1);
                break;
            case Ppme.SetResGidX:
                SetIds(ev, uid: false, paramIndex: 1);
                break;
            case Ppme.FcntlE:
                // Only F_DUPFD / F_DUPFD_CLOEXEC create an fd; their enter is kept for the exit.
                if (Thread is not null && Params.U32(ev, 1) is FcntlDupFd or FcntlDupFdCloexec)
                {
                    StoreEnter(ev);
                }

                break;
            case Ppme.FcntlX:
                if (RetrieveEnter(ev, out _) && Params.I64(ev, 0) is long dupped and >= 0 && _evtFd is { } original && Thread is { } dt)
                {
                    AddFd(dt, dupped, original.Clone());
                }

                break;
            case Ppme.SetUidX:
                SetIds(ev, uid: true, paramIndex: 0);
                break;
            case Ppme.SetGidX:
                SetIds(ev, uid: false, paramIndex: 0);
                break;
            case Ppme.SchedSwitch6E:
                // A context switch reports the thread's page faults, and the memory of its process (kB) on the main thread.
                if (Thread is { } switched && Params.Has(ev, 5))
                {
                    switched.PfMajor = Params.U64(ev, 1);
                    switched.PfMinor = Params.U64(ev, 2);
                    ThreadInfo main = Threads.MainThread(switched);
                    main.VmSizeKb = Params.U32(ev, 3);
                    main.VmRssKb = Params.U32(ev, 4);
                    main.VmSwapKb = Params.U32(ev, 5);
                }

                break;
            case EventIds.SyscallBrk4X or EventIds.SyscallMmapX or EventIds.SyscallMmap2X or EventIds.SyscallMunmapX:
                // brk, mmap and munmap exits report the thread's memory after the call (kB): size, resident, swapped.
                if (Thread is { } mem && Params.Has(ev, 3))
                {
                    mem.VmSizeKb = Params.U32(ev, 1);
                    mem.VmRssKb = Params.U32(ev, 2);
                    mem.VmSwapKb = Params.U32(ev, 3);
                }

                break;
            case Ppme.SetSidX:
                // A new session: setsid returns its id.
                if (Thread is { } leader && Params.I64(ev, 0) is long sid and >= 0)
                {
                    leader.Sid = sid;
                }

                break;
            case Ppme.ContainerE:
                ParseContainerEvent(ev);
                break;
            case Ppme.K8sE:
            {
                ReadOnlySpan<byte> json = Params.Get(ev, 0);
                int end = json.IndexOf((byte)0);
                K8s.Apply(end >= 0 ? json[..end] : json);
                break;
            }

            case Ppme.ContainerJsonE or Ppme.ContainerJson2E:
                ParseContainerJson(ev);
                break;
            case Ppme.ProcExitE or Ppme.ProcExit1E:
                if (Thread is { } et)
                {
                    et.Flags |= ThreadTable.ClClosed;
                    _tidToRemove = ev.ThreadId;
                }

                break;
            default:
                if (Ppme.IsClone(type))
                {
                    ParseCloneExit(ev, type);
                }
                else if (Ppme.IsExecve(type))
                {
                    ParseExecveExit(ev, type);
                }

                break;
        }
    }

    private const uint FcntlDupFd = 1, FcntlDupFdCloexec = 26;

    /// <summary>set(res)uid/gid exit: the new (effective) id comes from the stored enter event and goes to this thread.</summary>
    private void SetIds(in RawEvent ev, bool uid, int paramIndex)
    {
        if (Params.I64(ev, 0) < 0 || !RetrieveEnter(ev, out RawEvent enter) || Thread is not { } t)
        {
            return;
        }

        uint id = Params.U32(enter, paramIndex);
        if (id == uint.MaxValue)
        {
            return;
        }

        if (uid)
        {
            t.Uid = id;
        }
        else
        {
            t.Gid = id;
        }
    }

    private void ParseContainerEvent(in RawEvent ev)
    {
        string id = Params.Str(ev, 0);
        ContainerInfo c = Containers.AddSimple(id, (int)Params.U32(ev, 1), Params.Str(ev, 2), Params.Str(ev, 3));
        _ = c;
    }

    private void ParseContainerJson(in RawEvent ev)
    {
        ReadOnlySpan<byte> json = Params.Get(ev, 0);
        int nul = json.IndexOf((byte)0);
        if (nul >= 0)
        {
            json = json[..nul];
        }

        ContainerInfo? c = Containers.AddJson(json);
        if (c is null)
        {
            FilteredOut = true;
            return;
        }

        if (!c.LookupSuccessful)
        {
            FilteredOut = true;
        }

        // sinsp gives container events a stand-in thread named after the container.
        if (!_containerThreads.TryGetValue(c.Id, out ThreadInfo? fake))
        {
            // sysdig's stand-in thread for a container event runs as root (user.uid 0, group.gid 0), parent 0,
            // with -2 as its namespace ids.
            fake = new ThreadInfo(-1, -1, 0, new ProcessImage("container:" + c.Id, "", "", []))
            {
                ContainerId = c.Id, Uid = 0, Gid = 0, LoginUid = 0, Vtid = -2, Vpid = -2,
            };
            _containerThreads[c.Id] = fake;
        }

        Thread = fake;
    }
}
