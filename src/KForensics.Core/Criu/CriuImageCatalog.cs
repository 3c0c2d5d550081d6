using Google.Protobuf;
using KForensics.Core.Criu.Images;

namespace KForensics.Core.Criu;

/// <summary>One decoded entry of an image: its message, where it starts, and the raw payload that follows it in some images.</summary>
internal sealed record CriuImageEntry(int Index, long Offset, IMessage Message, byte[]? Extra);

/// <summary>
/// Which message every CRIU image holds (by crit's magic name) and how long the raw payload after an
/// entry is, where there is one (pipe and socket queue data, TCP queues, SysV IPC contents, ghost
/// files, BPF map data): the decoder behind crit decode's equivalent.
/// </summary>
internal static class CriuImageCatalog
{
    private static readonly Dictionary<string, MessageParser> Parsers = new(StringComparer.Ordinal)
    {
        ["INVENTORY"] = InventoryEntry.Parser, ["PSTREE"] = PstreeEntry.Parser, ["FDINFO"] = FdinfoEntry.Parser,
        ["CORE"] = CoreEntry.Parser, ["IDS"] = TaskKobjIdsEntry.Parser, ["VMAS"] = VmaEntry.Parser, ["PIPES"] = PipeEntry.Parser,
        ["PIPES_DATA"] = PipeDataEntry.Parser, ["FIFO"] = FifoEntry.Parser, ["FIFO_DATA"] = PipeDataEntry.Parser, ["SIGACT"] = SaEntry.Parser,
        ["UNIXSK"] = UnixSkEntry.Parser, ["INETSK"] = InetSkEntry.Parser, ["PACKETSK"] = PacketSockEntry.Parser, ["ITIMERS"] = ItimerEntry.Parser,
        ["POSIX_TIMERS"] = PosixTimerEntry.Parser, ["SK_QUEUES"] = SkPacketEntry.Parser, ["UTSNS"] = UtsnsEntry.Parser, ["CREDS"] = CredsEntry.Parser,
        ["IPC_VAR"] = IpcVarEntry.Parser, ["IPCNS_SHM"] = IpcShmEntry.Parser, ["IPCNS_MSG"] = IpcMsgEntry.Parser, ["IPCNS_SEM"] = IpcSemEntry.Parser,
        ["REG_FILES"] = RegFileEntry.Parser, ["EXT_FILES"] = ExtFileEntry.Parser, ["FS"] = FsEntry.Parser, ["MM"] = MmEntry.Parser,
        ["REMAP_FPATH"] = RemapFilePathEntry.Parser, ["GHOST_FILE"] = GhostFileEntry.Parser, ["TCP_STREAM"] = TcpStreamEntry.Parser,
        ["EVENTFD_FILE"] = EventfdFileEntry.Parser, ["EVENTPOLL_FILE"] = EventpollFileEntry.Parser, ["EVENTPOLL_TFD"] = EventpollTfdEntry.Parser,
        ["SIGNALFD"] = SignalfdEntry.Parser, ["INOTIFY_FILE"] = InotifyFileEntry.Parser, ["INOTIFY_WD"] = InotifyWdEntry.Parser, ["MNTS"] = MntEntry.Parser,
        ["NETDEV"] = NetDeviceEntry.Parser, ["NETNS"] = NetnsEntry.Parser, ["TTY_FILES"] = TtyFileEntry.Parser, ["TTY_INFO"] = TtyInfoEntry.Parser,
        ["TTY_DATA"] = TtyDataEntry.Parser, ["FILE_LOCKS"] = FileLockEntry.Parser, ["RLIMIT"] = RlimitEntry.Parser, ["FANOTIFY_FILE"] = FanotifyFileEntry.Parser,
        ["FANOTIFY_MARK"] = FanotifyMarkEntry.Parser, ["SIGNAL"] = SignalQueueEntry.Parser, ["NETLINK_SK"] = NetlinkSkEntry.Parser, ["NS_FILES"] = NsFileEntry.Parser,
        ["TUNFILE"] = TunfileEntry.Parser, ["CGROUP"] = CgroupEntry.Parser, ["TIMERFD"] = TimerfdEntry.Parser, ["CPUINFO"] = CpuinfoEntry.Parser,
        ["USERNS"] = UsernsEntry.Parser, ["SECCOMP"] = SeccompEntry.Parser, ["BINFMT_MISC"] = BinfmtMiscEntry.Parser, ["AUTOFS"] = AutofsEntry.Parser,
        ["FILES"] = FileEntry.Parser, ["MEMFD_INODE"] = MemfdInodeEntry.Parser, ["TIMENS"] = TimensEntry.Parser, ["PIDNS"] = PidnsEntry.Parser,
        ["BPFMAP_FILE"] = BpfmapFileEntry.Parser, ["BPFMAP_DATA"] = BpfmapDataEntry.Parser, ["APPARMOR"] = ApparmorEntry.Parser, ["PIDFD"] = PidfdEntry.Parser,
        ["STATS"] = StatsEntry.Parser, ["IRMAP_CACHE"] = IrmapCacheEntry.Parser,
    };

    /// <summary>True when the reader decodes images of this magic name.</summary>
    public static bool CanDecode(string magicName) => magicName == "PAGEMAP" || Parsers.ContainsKey(magicName);

    /// <summary>Every entry of <paramref name="path"/>, with the raw payload that follows an entry where the image has one.</summary>
    public static IEnumerable<CriuImageEntry> Decode(string path)
    {
        CriuImageType type = CriuMagic.FromFileName(path)
            ?? throw new CriuImageException(CriuImageErrorKind.BadMagic, "'" + Path.GetFileName(path) + "' is not the name of a CRIU image.", path);
        if (type.IsRaw || !CanDecode(type.MagicName))
        {
            throw new CriuImageException(CriuImageErrorKind.InvalidMessage,
                Path.GetFileName(path) + " holds " + (type.IsRaw ? "raw data (" + type.MagicName + ")" : type.MagicName + " records") + ", not messages this reader decodes.", path);
        }

        using CriuImageFile file = CriuImageFile.Open(path, type);
        int index = 0;
        if (type.MagicName == "PAGEMAP")
        {
            if (file.Next(PagemapHead.Parser, out long headAt) is IMessage head)
            {
                yield return new CriuImageEntry(index++, headAt, head, null);
                while (file.Next(PagemapEntry.Parser, out long at) is IMessage entry)
                {
                    yield return new CriuImageEntry(index++, at, entry, null);
                }
            }

            yield break;
        }

        MessageParser parser = Parsers[type.MagicName];
        while (file.Next(parser, out long at) is IMessage message)
        {
            // A ghost file without chunks: the rest of the image is the file's content, the entry's payload.
            bool whole = message is GhostFileEntry { Chunks: false };
            byte[]? extra = whole ? file.ReadRest() : Extra(file, message);
            yield return new CriuImageEntry(index++, at, message, extra);
            if (whole)
            {
                yield break;
            }

            if (message is GhostFileEntry { Chunks: true })
            {
                while (file.Next(GhostChunkEntry.Parser) is GhostChunkEntry chunk)
                {
                    long chunkAt = file.Position;
                    yield return new CriuImageEntry(index++, chunkAt, chunk, file.ReadPayload(checked((int)chunk.Len)));
                }

                yield break;
            }
        }
    }

    private static byte[]? Extra(CriuImageFile file, IMessage message) => message switch
    {
        PipeDataEntry p => file.ReadPayload((int)p.Bytes),
        SkPacketEntry s => file.ReadPayload((int)s.Length),
        TcpStreamEntry t => file.ReadPayload(checked((int)(t.InqLen + t.OutqLen))),
        IpcShmEntry shm => Padded(file, checked((long)shm.Size), 4),
        IpcSemEntry sem => Padded(file, sem.Nsems * 2L, 8),
        IpcMsgEntry msg => Messages(file, msg),
        BpfmapDataEntry b => file.ReadPayload(checked((int)(b.KeysBytes + b.ValuesBytes))),
        _ => null,
    };

    private static byte[] Padded(CriuImageFile file, long length, int to)
    {
        byte[] data = file.ReadPayload(checked((int)length));
        long pad = (length + to - 1) / to * to - length;
        file.SkipPayload(pad);
        return data;
    }

    // qnum messages, each a 32-bit length, an ipc_msg and msize bytes padded to 8; returned as read.
    private static byte[] Messages(CriuImageFile file, IpcMsgEntry entry)
    {
        using var all = new MemoryStream();
        for (uint i = 0; i < entry.Qnum; i++)
        {
            IpcMsg message = file.Next(IpcMsg.Parser)
                ?? throw new CriuImageException(CriuImageErrorKind.Truncated, Path.GetFileName(file.Path) + " ends inside a queue's messages.", file.Path, file.Position);
            all.Write(Padded(file, message.Msize, 8));
        }

        return all.ToArray();
    }
}
