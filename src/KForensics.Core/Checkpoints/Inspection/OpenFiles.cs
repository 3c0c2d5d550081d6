using System.Globalization;
using System.Net;
using KForensics.Core.Criu;
using KForensics.Core.Criu.Images;

namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>
/// The descriptors of every live task (fdinfo-FILES_ID → files.img), then its working directory and
/// root (fs-PID), in pstree order as checkpointctl lists them; and the sockets among them.
/// </summary>
internal static class OpenFiles
{
    private const int Inetsk = 4, Unixsk = 5, Packetsk = 10, Netlinksk = 13;

    public static IEnumerable<CheckpointFile> Files(OpenedCheckpoint checkpoint, uint? pid, CancellationToken cancellationToken)
    {
        CriuImageSet images = checkpoint.Images;
        HashSet<uint> deleted = DeletedFileIds(images);
        foreach ((PstreeEntry task, string comm) in LiveTasks(images, pid))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (FdinfoEntry fd in Descriptors(images, task.Pid))
            {
                FileEntry? file = images.File(fd.Id);
                int type = (int)fd.Type;
                RegFileEntry? reg = file?.Reg;
                yield return new CheckpointFile(checkpoint.Path, task.Pid, comm, fd.Fd.ToString(CultureInfo.InvariantCulture), FileNames.TypeName(type),
                    FileNames.Describe(file, type, fd.Id), fd.Id, OpenFlagsOf(file), OpenFlagsOf(file) is uint f ? FileNames.OpenFlags(f) : string.Empty,
                    (fd.Flags & 1) != 0, reg?.Pos, reg is { HasSize: true } ? reg.Size : null, deleted.Contains(fd.Id));
            }

            FsEntry? fs = images.Fs(task.Pid);
            if (fs is not null)
            {
                yield return Directory(checkpoint, images, task.Pid, comm, "cwd", fs.CwdId);
                yield return Directory(checkpoint, images, task.Pid, comm, "root", fs.RootId);
            }
        }
    }

    public static IEnumerable<CheckpointSocket> Sockets(OpenedCheckpoint checkpoint, uint? pid, CancellationToken cancellationToken)
    {
        CriuImageSet images = checkpoint.Images;
        foreach ((PstreeEntry task, string comm) in LiveTasks(images, pid))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (FdinfoEntry fd in Descriptors(images, task.Pid))
            {
                if ((int)fd.Type is not (Inetsk or Unixsk or Packetsk or Netlinksk))
                {
                    continue;
                }

                FileEntry? file = images.File(fd.Id);
                string number = fd.Fd.ToString(CultureInfo.InvariantCulture);
                switch (file)
                {
                    case { Isk: InetSkEntry i }:
                        yield return new CheckpointSocket(checkpoint.Path, task.Pid, comm, number, i.Family == 10 ? "IPv6" : "IPv4", SocketType(i.Type),
                            InetProtocol(i.Proto, i.Type), TcpState(i.State), Address(i.SrcAddr), i.SrcPort, Address(i.DstAddr), i.DstPort,
                            i.Opts?.SoSndbuf ?? 0, i.Opts?.SoRcvbuf ?? 0, null, i.Ino, null);
                        break;
                    case { Usk: UnixSkEntry u }:
                        yield return new CheckpointSocket(checkpoint.Path, task.Pid, comm, number, "Unix", SocketType(u.Type), string.Empty, TcpState(u.State),
                            null, null, null, null, u.Opts?.SoSndbuf ?? 0, u.Opts?.SoRcvbuf ?? 0, FileNames.UnixName(u.Name.Span), u.Ino, u.Peer);
                        break;
                    case { Psk: PacketSockEntry p }:
                        yield return new CheckpointSocket(checkpoint.Path, task.Pid, comm, number, "Packet", SocketType(p.Type), p.Protocol.ToString(CultureInfo.InvariantCulture),
                            string.Empty, null, null, null, null, p.Opts?.SoSndbuf ?? 0, p.Opts?.SoRcvbuf ?? 0, null, 0, null);
                        break;
                    case { Nlsk: NetlinkSkEntry n }:
                        yield return new CheckpointSocket(checkpoint.Path, task.Pid, comm, number, "Netlink", "RAW", n.Protocol.ToString(CultureInfo.InvariantCulture),
                            TcpState(n.State), null, null, null, null, n.Opts?.SoSndbuf ?? 0, n.Opts?.SoRcvbuf ?? 0, null, n.Ino, null);
                        break;
                }
            }
        }
    }

    /// <summary>Alive and stopped tasks in pstree order with their comm; dead and zombie tasks hold no files.</summary>
    internal static IEnumerable<(PstreeEntry Task, string Comm)> LiveTasks(CriuImageSet images, uint? pid)
    {
        bool found = false;
        foreach (PstreeEntry task in images.Processes)
        {
            if (pid is uint p && task.Pid != p)
            {
                continue;
            }

            found = true;
            CoreEntry core = images.Core(task.Pid);
            if (ProcessTree.StateOf(core.Tc?.TaskState ?? 0) is CheckpointTaskState.Alive or CheckpointTaskState.Stopped)
            {
                yield return (task, core.Tc?.Comm ?? string.Empty);
            }
        }

        if (pid is uint missing && !found)
        {
            throw new CheckpointInspectionException(CheckpointInspectionErrorKind.ProcessNotFound,
                "The checkpoint has no process " + missing + "; its processes are " + string.Join(", ", images.Processes.Select(e => e.Pid)) + ".",
                missing.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static IReadOnlyList<FdinfoEntry> Descriptors(CriuImageSet images, uint pid)
    {
        TaskKobjIdsEntry? ids = images.Ids(pid);
        return ids is null ? [] : images.FdInfo(ids.FilesId);
    }

    private static CheckpointFile Directory(OpenedCheckpoint checkpoint, CriuImageSet images, uint pid, string comm, string which, uint id)
        => new(checkpoint.Path, pid, comm, which, "REG", FileNames.PathOf(images, id) ?? string.Empty, id, null, string.Empty, false, null, null, false);

    private static uint? OpenFlagsOf(FileEntry? file) => file switch
    {
        { Reg: not null } => file.Reg.Flags,
        { Pipe: not null } => file.Pipe.Flags,
        { Isk: not null } => file.Isk.Flags,
        { Usk: not null } => file.Usk.Flags,
        _ => null,
    };

    private static HashSet<uint> DeletedFileIds(CriuImageSet images)
        => images.Remaps.Where(r => r.RemapType != RemapType.Procfs).Select(r => r.OrigId).ToHashSet();

    internal static string SocketType(uint type) => type switch
    {
        1 => "STREAM",
        2 => "DGRAM",
        3 => "RAW",
        4 => "RDM",
        5 => "SEQPACKET",
        10 => "PACKET",
        _ => type.ToString(CultureInfo.InvariantCulture),
    };

    internal static string InetProtocol(uint proto, uint type) => proto switch
    {
        6 => "TCP",
        17 => "UDP",
        136 => "UDPLITE",
        1 => "ICMP",
        58 => "ICMPV6",
        0 when type == 1 => "TCP",
        0 when type == 2 => "UDP",
        _ => proto.ToString(CultureInfo.InvariantCulture),
    };

    internal static string TcpState(uint state) => state switch
    {
        1 => "ESTABLISHED",
        2 => "SYN_SENT",
        3 => "SYN_RECV",
        4 => "FIN_WAIT1",
        5 => "FIN_WAIT2",
        6 => "TIME_WAIT",
        7 => "CLOSE",
        8 => "CLOSE_WAIT",
        9 => "LAST_ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        12 => "NEW_SYN_RECV",
        _ => state.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>One word is IPv4, four are IPv6; each word's little-endian bytes are the address bytes in network order.</summary>
    internal static string? Address(IReadOnlyList<uint> words)
    {
        if (words.Count is not (1 or 4))
        {
            return null;
        }

        byte[] bytes = new byte[words.Count * 4];
        for (int i = 0; i < words.Count; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), words[i]);
            if (!BitConverter.IsLittleEndian)
            {
                Array.Reverse(bytes, i * 4, 4);
            }
        }

        return new IPAddress(bytes).ToString();
    }
}
