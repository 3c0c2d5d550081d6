using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.State;

internal sealed partial class Inspector
{
    /// <summary>
    /// Builds the tables from the metadata blocks, once all of them are read (sinsp imports the
    /// whole process list, then links threads to their processes and orients sockets).
    /// </summary>
    public void FinishMetadata()
    {
        if (_metadataDone)
        {
            return;
        }

        _metadataDone = true;
        foreach (ProcessRecord p in _pendingThreads)
        {
            var t = new ThreadInfo(p.Tid, p.Pid, p.Ptid, new ProcessImage(p.Comm, p.Exe, p.ExePath, p.Args))
            {
                Flags = p.Flags | (1u << 19),
                Uid = p.Uid,
                Gid = p.Gid,
                Vtid = p.Vtid,
                Vpid = p.Vpid,
                Cgroups = p.Cgroups,
                Sid = p.Sid,
                Vpgid = p.Vpgid,
                Tty = p.Tty,
                LoginUid = p.LoginUid,
                Env = p.Env,
                PidnsInitStartTs = p.PidnsInitStartTs,
                FdLimit = (long)p.FdLimit,
                ExeFlags = p.ExeFlags,
                CapInheritable = p.CapInheritable,
                CapPermitted = p.CapPermitted,
                CapEffective = p.CapEffective,
                ExeIno = p.ExeIno,
                ExeInoCtime = p.ExeInoCtime,
                ExeInoMtime = p.ExeInoMtime,
                VmSizeKb = p.VmSizeKb,
                VmRssKb = p.VmRssKb,
                VmSwapKb = p.VmSwapKb,
                PfMajor = p.PfMajor,
                PfMinor = p.PfMinor,
            };
            if (t.Tid == t.Pid || (t.Flags & ThreadTable.ClIsMainThread) != 0)
            {
                string cwd = SinspPath.Concatenate("", p.Cwd);
                t.Cwd = cwd.Length == 0 || cwd[^1] != '/' ? cwd + "/" : cwd;
            }

            t.ContainerId = Containers.ResolveId(t.Cgroups);
            Threads.Add(t);
        }

        foreach ((long _, FdRecord fd) in _pendingFds)
        {
            if (fd.Type == ScapFdType.Ipv4ServSock || fd.Type == ScapFdType.Ipv6ServSock)
            {
                _serverPorts.Add(fd.DestPort);
            }
        }

        // sinsp imports a thread's fds through one reused entry, so socket bytes a kind does not
        // set are left over from the previous fd of the same thread; names depend on that.
        var scratch = new Dictionary<long, SockInfo>();
        foreach ((long tid, FdRecord fd) in _pendingFds)
        {
            // Like libscap, fds of a thread missing from the process list have nowhere to go.
            if (Threads.Find(tid) is not { } t)
            {
                continue;
            }

            SockInfo leftover = scratch.GetValueOrDefault(tid);
            if (FromProc(fd, leftover) is { } info)
            {
                t.OwnFds[fd.Fd] = info;
                scratch[tid] = info.Sock;
            }
        }

        _pendingThreads.Clear();
        _pendingFds.Clear();
        foreach (ThreadInfo t in Threads.All.ToList())
        {
            if ((t.Flags & ThreadTable.ClCloneThread) != 0)
            {
                ThreadInfo main = Threads.GetOrAdd(t.Pid);
                _childCounts[main.Tid] = _childCounts.GetValueOrDefault(main.Tid) + 1;
            }
        }

        MetadataLoaded?.Invoke();
    }

    /// <summary>Called once the capture's process and fd lists are in the tables, before the first event is parsed.</summary>
    internal Action? MetadataLoaded { get; set; }

    /// <summary>sinsp's add_fd_from_scap plus fix_sockets_coming_from_proc.</summary>
    private FdInfo? FromProc(in FdRecord r, SockInfo leftover)
    {
        // TCP sockets listed in the capture's fd table are taken as connected, as sinsp does.
        var f = new FdInfo(r.Type, r.Name)
        {
            FromProc = true,
            Ino = r.Ino,
            SocketConnected = r.Type is ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock && r.L4Proto == 2,
        };
        f.Sock = leftover;
        switch (r.Type)
        {
            case ScapFdType.Ipv4Sock:
                f.Sock.V4Sip = V4(r.SourceIp!) ?? 0;
                f.Sock.V4Dip = V4(r.DestIp!) ?? 0;
                f.Sock.V4Sport = r.SourcePort;
                f.Sock.V4Dport = r.DestPort;
                f.Sock.V4L4 = r.L4Proto;
                InferLocalAddress(f);
                FixFromProc(f);
                break;
            case ScapFdType.Ipv4ServSock:
                f.Sock.V4Sip = V4(r.DestIp!) ?? 0;
                f.Sock.V4ServPort = r.DestPort;
                f.Sock.V4ServL4 = r.L4Proto;
                f.Name = SockInfo.V4Text(f.Sock.V4Sip) + ":" + r.DestPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
            case ScapFdType.Ipv6Sock:
            {
                Span<byte> sip = stackalloc byte[16], dip = stackalloc byte[16];
                r.SourceIp!.TryWriteBytes(sip, out _);
                r.DestIp!.TryWriteBytes(dip, out _);
                if (SocketText.IsV4Mapped(sip) && SocketText.IsV4Mapped(dip))
                {
                    f.Type = ScapFdType.Ipv4Sock;
                    f.Sock.V4Sip = U32(sip, 12);
                    f.Sock.V4Dip = U32(dip, 12);
                    f.Sock.V4Sport = r.SourcePort;
                    f.Sock.V4Dport = r.DestPort;
                    f.Sock.V4L4 = r.L4Proto;
                    InferLocalAddress(f);
                    FixFromProc(f);
                }
                else
                {
                    f.Sock.SetV6Sip(sip);
                    f.Sock.SetV6Dip(dip);
                    f.Sock.V6Sport = r.SourcePort;
                    f.Sock.V6Dport = r.DestPort;
                    f.Sock.V6L4 = r.L4Proto;
                    f.Name = SockInfo.V6Text(sip) + ":" + r.SourcePort.ToString(System.Globalization.CultureInfo.InvariantCulture)
                        + "->" + SockInfo.V6Text(dip) + ":" + r.DestPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                break;
            }

            case ScapFdType.Ipv6ServSock:
            {
                Span<byte> ip = stackalloc byte[16];
                r.DestIp!.TryWriteBytes(ip, out _);
                f.Sock.SetV6Sip(ip);
                f.Sock.V6ServPort = r.DestPort;
                f.Sock.V6ServL4 = r.L4Proto;
                f.Name = SockInfo.V6Text(ip) + ":" + r.DestPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
            }

            case ScapFdType.UnixSock:
                f.Sock.UnixSource = r.UnixSource;
                f.Sock.UnixDest = r.UnixDest;
                f.Role = r.Name.Length == 0 ? SocketRole.Client : SocketRole.Server;
                break;
            case ScapFdType.FileV2:
                f.OpenFlags = r.OpenFlags;
                break;
            case ScapFdType.Fifo or ScapFdType.File or ScapFdType.Directory or ScapFdType.Unsupported or ScapFdType.SignalFd
                or ScapFdType.EventPoll or ScapFdType.Event or ScapFdType.Inotify or ScapFdType.TimerFd or ScapFdType.Netlink:
                break;
            default:
                // sysdig 0.29.3 does not know the newer fd types (bpf, memfd…) and drops them.
                return null;
        }

        ListenForSyslog(f);
        return f;
    }

    private void FixFromProc(FdInfo f)
    {
        ref SockInfo s = ref f.Sock;
        if (_serverPorts.Contains(s.V4Sport))
        {
            Swap(f);
            f.Role = SocketRole.Server;
        }
        else
        {
            f.Role = SocketRole.Client;
        }

        f.Name = V4Tuple(s.V4Sip, s.V4Sport, s.V4Dip, s.V4Dport);
    }
}
