using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.State;

internal sealed partial class Inspector
{
    private const ulong CloneStaleTimeNs = 2_000_000_000;

    private void ParseCloneExit(in RawEvent ev, int type)
    {
        long tid = ev.ThreadId;
        long childTid = Params.I64(ev, 0);
        bool v11 = type == Ppme.Clone11X;
        bool v16 = type is Ppme.Clone16X or Ppme.ForkX or Ppme.VforkX;
        bool v17 = type is Ppme.Clone17X or Ppme.Fork17X or Ppme.Vfork17X;
        int flagsIndex = v11 ? 8 : v16 ? 13 : v17 ? 14 : 15;
        uint flags = Params.U32(ev, flagsIndex);
        if (childTid < 0)
        {
            return;
        }

        long vtid = tid, vpid = -1;
        bool v20 = !v11 && !v16 && !v17;
        if (v20)
        {
            vtid = Params.I64(ev, 18);
            vpid = Params.I64(ev, 19);
        }

        bool inContainer = (flags & ThreadTable.ClChildInPidNs) != 0 || tid != vtid;
        bool inverted = false;
        if (childTid == 0)
        {
            if (Thread is { CloneTs: not 0 } stale && ev.Timestamp - stale.CloneTs > CloneStaleTimeNs)
            {
                RemoveThread(tid, force: true);
                Thread = null;
            }

            long parentTid = (flags & ThreadTable.ClCloneThread) != 0 ? Params.I64(ev, 4) : Params.I64(ev, 5);
            if (Thread is null)
            {
                inverted = true;
                childTid = tid;
                tid = parentTid;
            }
            else
            {
                if (inContainer)
                {
                    Thread.Vtid = vtid;
                    Thread.Vpid = vpid;
                }

                return;
            }
        }
        else if (inContainer)
        {
            return;
        }

        ThreadInfo parent = Threads.GetOrAdd(tid);
        ThreadInfo? existing = Threads.Find(childTid);
        if (existing is not null)
        {
            if ((existing.Flags & ThreadTable.ClCloneInverted) != 0)
            {
                return;
            }

            RemoveThread(childTid, force: true);
        }

        bool rebuilt = parent.IsPlaceholder;
        if (rebuilt)
        {
            // The parent was never seen: sinsp rebuilds it, then fills both from this event.
            RemoveThread(tid, force: true);
            parent = Threads.GetOrAdd(tid);
        }

        var child = new ThreadInfo(childTid, Params.I64(ev, 4), tid, parent.Image);
        if (parent.IsPlaceholder)
        {
            string exe = Params.Str(ev, 1);
            string comm = v11 || v16 ? exe : Params.Str(ev, 13);
            var image = new ProcessImage(comm, exe, parent.Image.ExePath, Params.List(ev, 2));
            parent.Image = image;
        }

        child.Flags = flags;
        if ((flags & ThreadTable.ClCloneThread) == 0)
        {
            child.Pid = childTid;
            // A process gets a copy of its parent's fds: entries of its own, as sinsp copies them.
            Dictionary<long, FdInfo> parentFds = Threads.FdTableOf(parent);
            child.OwnFds = new Dictionary<long, FdInfo>(parentFds.Count);
            foreach ((long number, FdInfo entry) in parentFds)
            {
                child.OwnFds[number] = entry.Clone();
            }

            child.Cwd = Threads.CwdOf(parent);
        }

        if (inverted)
        {
            child.Flags |= ThreadTable.ClCloneInverted;
        }

        string childExe = Params.Str(ev, 1);
        string childComm = v11 || v16 ? childExe : Params.Str(ev, 13);
        child.Image = new ProcessImage(childComm, childExe, parent.Image.ExePath, Params.List(ev, 2));
        child.Uid = Params.U32(ev, v11 ? 9 : v16 ? 14 : v17 ? 15 : 16);
        child.Gid = Params.U32(ev, v11 ? 10 : v16 ? 15 : v17 ? 16 : 17);
        child.Vtid = inContainer ? vtid : child.Tid;
        child.Vpid = inContainer ? vpid : child.Pid;
        // Only the newest clone layouts carry cgroups; older ones leave the child on the host, as in sinsp.
        if (v20)
        {
            child.Cgroups = Params.List(ev, 14);
            child.ContainerId = Containers.ResolveId(child.Cgroups);
        }

        // What sinsp copies from the caller and never reads from the clone event itself; from a rebuilt
        // parent it copies none of it, and sysdig 0.29.3 then reports loginuid 0.
        if (rebuilt)
        {
            child.LoginUid = 0;
        }
        else
        {
            child.Sid = parent.Sid;
            child.Vpgid = parent.Vpgid;
            child.Tty = parent.Tty;
            child.LoginUid = parent.LoginUid;
            if ((flags & ThreadTable.ClCloneThread) == 0)
            {
                child.Env = parent.Env;
            }
        }
        child.CapInheritable = parent.CapInheritable;
        child.CapPermitted = parent.CapPermitted;
        child.CapEffective = parent.CapEffective;
        child.ExeIno = parent.ExeIno;
        child.ExeInoCtime = parent.ExeInoCtime;
        child.ExeInoMtime = parent.ExeInoMtime;
        child.ExeInoCtimeDurationCloneTs = parent.ExeInoCtimeDurationCloneTs;
        child.ExeFlags = parent.ExeFlags;
        child.PidnsInitStartTs = v20 && ev.ParamCount > 20 ? Params.U64(ev, 20) : parent.PidnsInitStartTs;
        ReadResources(ev, child);
        child.CloneTs = ev.Timestamp;
        AddThread(child);
        if (existing is not null)
        {
            // tid collision: sinsp re-runs its reset so the event sees the new thread.
            Thread = Threads.Find(ev.ThreadId);
        }
    }

    private void ParseExecveExit(in RawEvent ev, int type)
    {
        if (Params.I64(ev, 0) < 0 || Thread is not { } t)
        {
            return;
        }

        string exe = Params.Str(ev, 1);
        bool old = type is Ppme.Execve8X or Ppme.Execve13X or Ppme.Execve14X;
        string comm = old ? exe : Params.Str(ev, 13);
        string exePath = t.Image.ExePath;
        if (type is Ppme.Execve18X or Ppme.Execve19X && RetrieveEnter(ev, out RawEvent enter))
        {
            string filename = Params.Str(enter, 0);
            exePath = filename.StartsWith("<NA>", StringComparison.Ordinal) ? "<NA>" : SinspPath.Concatenate(t.Cwd, filename);
        }

        t.Image = new ProcessImage(comm, exe, exePath, Params.List(ev, 2));
        t.Pid = Params.I64(ev, 4);
        if (t.Ptid == -1)
        {
            t.Ptid = Params.I64(ev, 5);
        }

        if (type is not (Ppme.Execve8X or Ppme.Execve13X or Ppme.Execve14X or Ppme.Execve15X))
        {
            t.Cgroups = Params.List(ev, 14);
            t.ContainerId = Containers.ResolveId(t.Cgroups);
        }

        ReadResources(ev, t);
        ParseExecveExtras(ev, type, t);

        // execve resets the clone flags (so the thread now owns its fd table), as sinsp does.
        const uint Active = 1u << 19, NameChanged = 1u << 17, PipeSrc = 1u << 21, PipeDst = 1u << 22;
        uint keep = t.Flags & (PipeSrc | PipeDst | ThreadTable.ClIsMainThread | ThreadTable.ClCloneInverted);
        t.Flags = Active | NameChanged | keep;
    }

    /// <summary>fdlimit, page faults and memory: parameters 7 to 12 of every clone and execve exit but the oldest.</summary>
    private static void ReadResources(in RawEvent ev, ThreadInfo t)
    {
        if (ev.ParamCount > 12)
        {
            t.FdLimit = Params.I64(ev, 7);
            t.PfMajor = Params.U64(ev, 8);
            t.PfMinor = Params.U64(ev, 9);
            t.VmSizeKb = Params.U32(ev, 10);
            t.VmRssKb = Params.U32(ev, 11);
            t.VmSwapKb = Params.U32(ev, 12);
        }
        else if (ev.ParamCount > 7)
        {
            t.FdLimit = Params.I64(ev, 7);
        }
    }

    /// <summary>The parameters newer execve exits add after loginuid: exe flags, capabilities, executable inode.</summary>
    private static void ParseExecveExtras(in RawEvent ev, int type, ThreadInfo t)
    {
        int env = type switch
        {
            Ppme.Execve8X or Ppme.Execve13X => -1,
            Ppme.Execve14X => 13,
            Ppme.Execve15X => 14,
            _ => 15,
        };
        if (env >= 0 && ev.ParamCount > env)
        {
            t.Env = ThreadInfo.SinspEnv(Params.List(ev, env));
        }

        if (ev.ParamCount > 16 && env == 15)
        {
            t.Tty = Params.U32(ev, 16);
        }

        if (ev.ParamCount > 17 && env == 15)
        {
            t.Vpgid = Params.I64(ev, 17);
        }

        if (ev.ParamCount > 18 && env == 15)
        {
            t.LoginUid = Params.U32(ev, 18);
        }

        if (ev.ParamCount > 19)
        {
            t.ExeFlags = Params.U32(ev, 19);
        }

        if (ev.ParamCount > 22)
        {
            t.CapInheritable = Params.U64(ev, 20);
            t.CapPermitted = Params.U64(ev, 21);
            t.CapEffective = Params.U64(ev, 22);
        }

        if (ev.ParamCount > 25)
        {
            t.ExeIno = Params.U64(ev, 23);
            t.ExeInoCtime = Params.U64(ev, 24);
            t.ExeInoMtime = Params.U64(ev, 25);
            if (t.CloneTs != 0)
            {
                t.ExeInoCtimeDurationCloneTs = unchecked(t.CloneTs - t.ExeInoCtime);
            }
        }
    }

    private void AddThread(ThreadInfo thread)
    {
        Threads.Add(thread);
        if ((thread.Flags & ThreadTable.ClCloneThread) != 0)
        {
            ThreadInfo main = Threads.GetOrAdd(thread.Pid);
            _childCounts[main.Tid] = _childCounts.GetValueOrDefault(main.Tid) + 1;
        }
    }

    /// <summary>sinsp's remove_thread: a main thread with live threads stays unless forced.</summary>
    private void RemoveThread(long tid, bool force)
    {
        ThreadInfo? t = Threads.Find(tid);
        if (t is null)
        {
            return;
        }

        int children = _childCounts.GetValueOrDefault(tid);
        if (children != 0 && !force)
        {
            return;
        }

        if ((t.Flags & ThreadTable.ClCloneThread) != 0 && Threads.Find(t.Pid) is { } main)
        {
            int c = _childCounts.GetValueOrDefault(main.Tid);
            if (c > 0)
            {
                _childCounts[main.Tid] = c - 1;
            }
        }

        Threads.Remove(tid);
        _childCounts.Remove(tid);
        if (children != 0)
        {
            RecountChildren();
        }
    }

    private void RecountChildren()
    {
        _childCounts.Clear();
        foreach (ThreadInfo t in Threads.All.ToList())
        {
            if ((t.Flags & ThreadTable.ClCloneThread) != 0)
            {
                ThreadInfo main = Threads.GetOrAdd(t.Pid);
                _childCounts[main.Tid] = _childCounts.GetValueOrDefault(main.Tid) + 1;
            }
        }
    }
}
