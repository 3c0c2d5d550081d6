using System.Net;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.State;
using KForensics.Core.Scap.Writing;

namespace KForensics.Core.Scap.Export;

/// <summary>The tables an export writes at the start of the new capture.</summary>
public static partial class ScapExporter
{
    private sealed class ExportTables
    {
        private readonly Dictionary<long, ScapThread> _threads = [];

        // When each thread's state was taken, per source: later changes are the ones a reader must replay.
        private readonly List<Dictionary<long, ulong>> _takenAt = [];
        private Dictionary<long, ulong> _sourceTakenAt = [];
        private ulong _now;
        private readonly List<long> _threadOrder = [];
        private readonly Dictionary<long, Dictionary<long, ScapFd>> _fds = [];
        private readonly Dictionary<string, ContainerDescription> _containers = new(StringComparer.Ordinal);
        private readonly HashSet<string> _describedByEvents = new(StringComparer.Ordinal);
        private readonly Dictionary<uint, UserRecord> _users = [];
        private readonly Dictionary<uint, GroupRecord> _groups = [];
        private MachineInfo? _machine;
        private List<InterfaceRecord>? _interfaces;

        public int ThreadCount => _threads.Count;

        public int FdCount => _fds.Values.Sum(f => f.Count);

        public int ContainerCount => _containers.Count;

        /// <summary>Starts source number <paramref name="index"/>: the first pass records its times, the second reads them.</summary>
        public void StartSource(int index)
        {
            if (index == _takenAt.Count)
            {
                _takenAt.Add([]);
            }

            _sourceTakenAt = _takenAt[index];
        }

        /// <summary>
        /// An event that changes the state of a thread the export describes, after that thread's state was
        /// taken. Enter and exit events are both flagged, so exits that need their enter get it too.
        /// </summary>
        public bool ChangesExportedState(ScapFilterContext c)
        {
            RawEvent raw = c.Raw;
            if ((c.Info.SysdigFlags & EventFlags.ModifiesState) == 0
                || !_sourceTakenAt.TryGetValue(raw.ThreadId, out ulong takenAt) || raw.Timestamp <= takenAt)
            {
                return false;
            }

            // A parent's clone exit (re)creates the child: replay it only for a child the export describes
            // from before that moment; a child taken later already has its state, which the clone would reset.
            if (Ppme.IsClone(raw.Type) && raw.ParamCount > 0 && Params.I64(raw, 0) is long child and > 0)
            {
                return _sourceTakenAt.TryGetValue(child, out ulong childTakenAt) && childTakenAt < raw.Timestamp;
            }

            return true;
        }

        public void Record(Inspector state, ScapEvent ev)
        {
            _now = ev.RawTime;
            RecordReferencedThreads(state, ev);
            RecordSelfDescribedContainer(ev);

            _machine ??= state.Machine;
            if (_interfaces is null && state.Interfaces.Count != 0)
            {
                _interfaces = [.. state.Interfaces];
            }

            ThreadInfo? thread = state.Thread;
            if (thread is null)
            {
                return;
            }

            // The thread and its ancestors, so proc.pname/aname resolve as in the original.
            for (ThreadInfo? t = thread; t is not null && !_threads.ContainsKey(t.Tid); t = t.Ptid > 0 && t.Ptid != t.Tid ? state.Threads.Find(t.Ptid) : null)
            {
                AddThread(state, t);
            }

            ThreadInfo main = state.Threads.MainThread(thread);
            if (main.Tid != thread.Tid && !_threads.ContainsKey(main.Tid))
            {
                AddThread(state, main);
            }

            // Only fds sysdig shows for the event: where it prints <NA> the export must not know the fd either.
            FdInfo? fd = state.FdName is null ? null : state.Fd ?? state.EventFd;
            if (fd is not null)
            {
                long number = FindFdNumber(state.Threads.PeekFdTable(thread), fd, thread.LastEventFd);
                if (number >= 0)
                {
                    AddFd(state, thread, number, fd);
                }
            }
        }

        public void RecordMetadata(Inspector state)
        {
            _machine ??= state.Machine;
            // The user list is copied whole: uid and gid parameters of any event may name any entry.
            foreach (UserRecord user in state.Users.AllUsers)
            {
                _users.TryAdd(user.Uid, user);
            }

            foreach (GroupRecord group in state.Users.AllGroups)
            {
                _groups.TryAdd(group.Gid, group);
            }
        }

        public void WriteMetadata(ScapWriter writer)
        {
            if (_machine is not null)
            {
                writer.MachineInfo = new ScapMachineInfo(_machine.HostName, _machine.CpuCount, _machine.MemoryBytes, _machine.BootTime);
            }

            foreach (InterfaceRecord i in _interfaces ?? [])
            {
                writer.AddInterface(new ScapInterface(i.Name, i.Address, i.Netmask, i.Broadcast));
            }

            foreach (UserRecord u in _users.Values)
            {
                writer.AddUser(new ScapUser(u.Uid, u.Gid, u.Name, u.HomeDir, u.Shell));
            }

            foreach (GroupRecord g in _groups.Values)
            {
                writer.AddGroup(new ScapGroup(g.Gid, g.Name));
            }

            // Parents before children, as /proc lists them and readers link them.
            foreach (long tid in _threadOrder.AsEnumerable().Reverse())
            {
                writer.AddThread(_threads[tid]);
            }

            foreach ((long tid, Dictionary<long, ScapFd> table) in _fds)
            {
                foreach (ScapFd fd in table.Values)
                {
                    writer.AddFd(tid, fd);
                }
            }

            // A container whose own description event is exported must not be known beforehand:
            // sysdig drops (and so does not print) a description of a container it already has.
            foreach (ContainerDescription c in _containers.Values.Where(c => !_describedByEvents.Contains(c.Id)))
            {
                writer.WriteContainer(c);
            }
        }

        private void RecordSelfDescribedContainer(ScapEvent ev)
        {
            RawEvent raw = ev.Raw;
            if (raw.ParamCount == 0)
            {
                return;
            }

            ReadOnlySpan<byte> p = raw.GetParam(0);
            if (raw.Type == EventIds.ContainerE)
            {
                _describedByEvents.Add(Params.CStr(p));
            }
            else if (raw.Type is EventIds.ContainerJsonE or EventIds.ContainerJson2E)
            {
                try
                {
                    using var json = System.Text.Json.JsonDocument.Parse(Params.CString(p).ToArray());
                    if (json.RootElement.TryGetProperty("container", out var c) && c.TryGetProperty("id", out var id) && id.GetString() is string text)
                    {
                        _describedByEvents.Add(text);
                    }
                }
                catch (System.Text.Json.JsonException)
                {
                    // Not JSON sysdig could use either; nothing to deduplicate.
                }
            }
        }

        /// <summary>Threads that pid parameters point at: sysdig prints their names next to the number.</summary>
        private void RecordReferencedThreads(Inspector state, ScapEvent ev)
        {
            RawEvent raw = ev.Raw;
            IReadOnlyList<ParamInfo> table = ev.EventInfo.IsSysdigKnown ? ev.EventInfo.SysdigParams : ev.EventInfo.Params;
            for (int i = 0; i < table.Count && i < raw.ParamCount; i++)
            {
                if (table[i].Type is ParamType.Pid or ParamType.Pid32 && raw.GetParam(i) is { Length: >= 4 } p)
                {
                    long pid = Params.I64(p);
                    if (!_threads.ContainsKey(pid) && state.Threads.Find(pid) is ThreadInfo t)
                    {
                        AddThread(state, t);
                    }
                }
                else if (table[i].Type == ParamType.Fd && raw.GetParam(i) is { Length: 8 } f)
                {
                    // fd parameters (fcntl's result, dup's…) are printed with the name of the fd they name.
                    AddKnownFd(state, Params.I64(f));
                }
                else if (table[i].Type == ParamType.FdList && raw.GetParam(i) is { Length: >= 2 } list)
                {
                    // poll's fd list: printed with each fd's type.
                    for (int k = 0, count = Params.FdListCount(list); k < count; k++)
                    {
                        AddKnownFd(state, Params.FdListFd(list, k));
                    }
                }
            }
        }

        private void AddThread(Inspector state, ThreadInfo t)
        {
            ProcessImage image = t.Image;
            _threads[t.Tid] = new ScapThread(t.Tid, t.Pid, t.Ptid, image.Comm, image.Exe)
            {
                ExePath = image.ExePath,
                Args = image.Args,
                Cwd = state.Threads.PeekCwd(t) ?? t.Cwd,
                Cgroups = t.Cgroups,
                Flags = t.Flags & ~(ThreadTable.ClClosed),
                Uid = t.Uid,
                Gid = t.Gid,
                Vtid = t.Vtid,
                Vpid = t.Vpid,
            };
            _threadOrder.Add(t.Tid);
            _sourceTakenAt.TryAdd(t.Tid, _now);
            if (t.ContainerId.Length != 0 && t.ContainerId != "host" && !_containers.ContainsKey(t.ContainerId)
                && state.Containers.Find(t.ContainerId) is ContainerInfo c)
            {
                _containers[c.Id] = new ContainerDescription(c.Id, c.Name, c.Image)
                {
                    ImageId = c.ImageId,
                    ImageDigest = c.ImageDigest,
                    Privileged = c.Privileged,
                    Labels = c.Labels,
                };
            }
        }

        private void AddKnownFd(Inspector state, long number)
        {
            if (number >= 0 && state.Thread is ThreadInfo owner && state.Threads.PeekFdTable(owner) is { } fds && fds.TryGetValue(number, out FdInfo? info))
            {
                AddFd(state, owner, number, info);
            }
        }

        private void AddFd(Inspector state, ThreadInfo thread, long number, FdInfo fd)
        {
            long owner = (thread.Flags & ThreadTable.ClCloneFiles) == 0 ? thread.Tid : state.Threads.MainThread(thread).Tid;
            if (!_fds.TryGetValue(owner, out Dictionary<long, ScapFd>? table))
            {
                _fds[owner] = table = [];
            }

            if (!table.ContainsKey(number) && ToScapFd(number, fd) is ScapFd entry)
            {
                table[number] = entry;
            }
        }

        private static long FindFdNumber(Dictionary<long, FdInfo>? table, FdInfo fd, long lastEventFd)
        {
            if (table is not null)
            {
                foreach ((long number, FdInfo info) in table)
                {
                    if (ReferenceEquals(info, fd))
                    {
                        return number;
                    }
                }
            }

            return lastEventFd;
        }

        private static ScapFd? ToScapFd(long number, FdInfo fd)
        {
            SockInfo s = fd.Sock;
            switch (fd.Type)
            {
                case ScapFdType.Ipv4Sock:
                    return new ScapFd(number, ScapFdType.Ipv4Sock)
                    {
                        Inode = fd.Ino,
                        Source = new IPEndPoint(new IPAddress(s.V4Sip), s.V4Sport),
                        Destination = new IPEndPoint(new IPAddress(s.V4Dip), s.V4Dport),
                        Protocol = (ScapL4Proto)s.V4L4,
                    };
                case ScapFdType.Ipv4ServSock:
                    return new ScapFd(number, ScapFdType.Ipv4ServSock)
                    {
                        Inode = fd.Ino,
                        Source = new IPEndPoint(new IPAddress(s.V4Sip), s.V4ServPort),
                        Protocol = (ScapL4Proto)s.V4ServL4,
                    };
                case ScapFdType.Ipv6Sock:
                    return new ScapFd(number, ScapFdType.Ipv6Sock)
                    {
                        Inode = fd.Ino,
                        Source = new IPEndPoint(new IPAddress(s.V6Sip), s.V6Sport),
                        Destination = new IPEndPoint(new IPAddress(s.V6Dip), s.V6Dport),
                        Protocol = (ScapL4Proto)s.V6L4,
                    };
                case ScapFdType.Ipv6ServSock:
                    return new ScapFd(number, ScapFdType.Ipv6ServSock)
                    {
                        Inode = fd.Ino,
                        Source = new IPEndPoint(new IPAddress(s.V6Sip), s.V6ServPort),
                        Protocol = (ScapL4Proto)s.V6ServL4,
                    };
                case ScapFdType.UnixSock:
                    return new ScapFd(number, ScapFdType.UnixSock) { Inode = fd.Ino, Name = fd.Name, UnixSource = s.UnixSource, UnixDestination = s.UnixDest };
                case ScapFdType.Unknown:
                    return null;
                case ScapFdType.File:
                case ScapFdType.FileV2:
                    return new ScapFd(number, ScapFdType.FileV2) { Inode = fd.Ino, Name = fd.Name, OpenFlags = fd.OpenFlags };
                default:
                    return fd.Type <= ScapFdType.FileV2
                        ? new ScapFd(number, fd.Type) { Inode = fd.Ino, Name = fd.Name }
                        : null;
            }
        }
    }
}
