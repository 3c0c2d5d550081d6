using System.Buffers.Binary;
using System.Net;
using System.Text;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Reading;

/// <summary>Decodes the entries of PL, FDL, IL, UL and MI blocks (layouts in scap-format.md §4–§8).</summary>
internal readonly struct MetadataParser(string file, long blockOffset, uint blockType)
{
    private const int MaxPath = 1024;
    private const int MaxArgs = 4096;

    public static MachineInfo ReadMachineInfo(ReadOnlySpan<byte> body)
    {
        // Older writers may have stored fewer bytes: zero-fill to the 180-byte layout.
        Span<byte> mi = stackalloc byte[180];
        body[..Math.Min(body.Length, 180)].CopyTo(mi);
        return new MachineInfo(
            BinaryPrimitives.ReadUInt32LittleEndian(mi),
            BinaryPrimitives.ReadUInt64LittleEndian(mi[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(mi[12..]),
            CString(mi.Slice(20, 128)),
            BinaryPrimitives.ReadUInt64LittleEndian(mi[148..]),
            BinaryPrimitives.ReadUInt64LittleEndian(mi[156..]));
    }

    public void ReadProcessList(ReadOnlySpan<byte> body, int version, IScapMetadataSink sink)
    {
        var r = new SpanReader(body, this);
        while (r.Remaining >= 4)
        {
            int entryStart = r.Position;
            int entryEnd = body.Length;
            if (version >= 9)
            {
                uint entryLength = r.U32();
                if (entryLength < 4 || entryLength > body.Length - entryStart)
                {
                    throw Damage($"process entry length {entryLength} does not fit the block");
                }

                entryEnd = entryStart + (int)entryLength;
                r = r.Bounded(entryEnd);
            }

            long tid = r.I64(), pid = r.I64(), ptid = r.I64();
            // Older process lists lack these: sysdig then reports -1.
            long sid = version >= 6 ? r.I64() : -1;
            long vpgid = version >= 8 ? r.I64() : -1;
            string comm = r.Str(MaxPath, "comm");
            string exe = r.Str(MaxPath, "exe");
            string exePath = version >= 7 ? r.Str(MaxPath, "exepath") : "";
            IReadOnlyList<string> args = r.List(MaxArgs, "args");
            string cwd = r.Str(MaxPath, "cwd");
            ulong fdLimit = r.U64();
            uint flags = r.U32(), uid = r.U32(), gid = r.U32();
            uint vmSize = 0, vmRss = 0, vmSwap = 0;
            ulong pfMajor = 0, pfMinor = 0;
            if (version >= 2)
            {
                vmSize = r.U32();
                vmRss = r.U32();
                vmSwap = r.U32();
                pfMajor = r.U64();
                pfMinor = r.U64();
            }

            IReadOnlyList<string> env = version >= 3 ? r.List(MaxArgs, "env") : [];
            long vtid = version >= 4 ? r.I64() : tid;
            long vpid = version >= 4 ? r.I64() : pid;
            IReadOnlyList<string> cgroups = version >= 4 ? r.List(MaxArgs, "cgroups") : [];
            string root = version >= 5 ? r.Str(MaxPath, "root") : "";
            var tail = new ProcessTail();
            if (version >= 9)
            {
                tail = ReadTail(ref r, entryEnd);
                r = new SpanReader(body, this) { Position = entryEnd };
            }

            sink.OnProcess(new ProcessRecord
            {
                Tid = tid, Pid = pid, Ptid = ptid, Sid = sid, Vpgid = vpgid, Comm = comm, Exe = exe, ExePath = exePath,
                Args = args, Cwd = cwd, FdLimit = fdLimit, Flags = flags, Uid = uid, Gid = gid, Env = env,
                Vtid = vtid, Vpid = vpid, Cgroups = cgroups, Root = root, LoginUid = tail.LoginUid,
                Tty = tail.Tty, PidnsInitStartTs = tail.PidnsStart, ExeFlags = tail.ExeFlags, CapInheritable = tail.CapInheritable,
                CapPermitted = tail.CapPermitted, CapEffective = tail.CapEffective, ExeIno = tail.ExeIno, ExeInoCtime = tail.ExeInoCtime,
                ExeInoMtime = tail.ExeInoMtime, VmSizeKb = vmSize, VmRssKb = vmRss, VmSwapKb = vmSwap,
                PfMajor = pfMajor, PfMinor = pfMinor,
            });
        }
    }

    /// <summary>What PL v9 entries carry after root, each field only when the entry is long enough.</summary>
    private struct ProcessTail
    {
        public ProcessTail()
        {
        }

        public uint LoginUid = uint.MaxValue, Tty, ExeFlags;
        public ulong PidnsStart, CapInheritable, CapPermitted, CapEffective, ExeIno, ExeInoCtime, ExeInoMtime;
    }

    /// <summary>
    /// The tail of a PL v9 entry. Writers from libs 0.10 on put pidns_init_start_ts and tty before loginuid;
    /// older ones end after the capabilities (29 bytes at most), which tells the two layouts apart.
    /// </summary>
    private static ProcessTail ReadTail(ref SpanReader r, int entryEnd)
    {
        var tail = new ProcessTail();
        bool Fits(ref SpanReader reader, int size) => reader.Position + size <= entryEnd;
        if (entryEnd - r.Position > 29)
        {
            if (Fits(ref r, 8)) { tail.PidnsStart = r.U64(); }
            if (Fits(ref r, 4)) { tail.Tty = r.U32(); }
        }

        if (Fits(ref r, 4)) { tail.LoginUid = r.U32(); }
        if (Fits(ref r, 1) && r.U8() != 0) { tail.ExeFlags |= 1; }
        if (Fits(ref r, 8)) { tail.CapInheritable = r.U64(); }
        if (Fits(ref r, 8)) { tail.CapPermitted = r.U64(); }
        if (Fits(ref r, 8)) { tail.CapEffective = r.U64(); }
        if (Fits(ref r, 1) && r.U8() != 0) { tail.ExeFlags |= 2; }
        if (Fits(ref r, 8)) { tail.ExeIno = r.U64(); }
        if (Fits(ref r, 8)) { tail.ExeInoCtime = r.U64(); }
        if (Fits(ref r, 8)) { tail.ExeInoMtime = r.U64(); }
        if (Fits(ref r, 1) && r.U8() != 0) { tail.ExeFlags |= 4; }
        if (Fits(ref r, 1) && r.U8() != 0) { tail.ExeFlags |= 8; }
        return tail;
    }

    public void ReadFdList(ReadOnlySpan<byte> body, bool v2, IScapMetadataSink sink)
    {
        var r = new SpanReader(body, this);
        long tid = r.I64();
        while (r.Remaining >= 4)
        {
            int entryEnd = body.Length;
            var entry = r;
            if (v2)
            {
                int start = r.Position;
                uint entryLength = r.U32();
                if (entryLength < 4 || entryLength > body.Length - start)
                {
                    throw Damage($"fd entry length {entryLength} does not fit the block");
                }

                entryEnd = start + (int)entryLength;
                entry = r.Bounded(entryEnd);
            }

            long fd = entry.I64();
            ulong ino = entry.U64();
            var type = (ScapFdType)entry.U8();
            FdRecord record = ReadFdPayload(ref entry, fd, ino, type, v2 ? entryEnd : -1);
            r = v2 ? new SpanReader(body, this) { Position = entryEnd } : entry;
            sink.OnFd(tid, record);
        }
    }

    private FdRecord ReadFdPayload(ref SpanReader r, long fd, ulong ino, ScapFdType type, int entryEnd)
    {
        switch (type)
        {
            case ScapFdType.Ipv4Sock:
            {
                var sip = new IPAddress(r.Bytes(4)); var dip = new IPAddress(r.Bytes(4));
                ushort sport = r.U16(), dport = r.U16();
                return new FdRecord(fd, ino, type, 0, "", sip, sport, dip, dport, r.U8(), 0, 0);
            }

            case ScapFdType.Ipv4ServSock:
            {
                var ip = new IPAddress(r.Bytes(4));
                ushort port = r.U16();
                return new FdRecord(fd, ino, type, 0, "", null, 0, ip, port, r.U8(), 0, 0);
            }

            case ScapFdType.Ipv6Sock:
            {
                var sip = new IPAddress(r.Bytes(16)); var dip = new IPAddress(r.Bytes(16));
                ushort sport = r.U16(), dport = r.U16();
                return new FdRecord(fd, ino, type, 0, "", sip, sport, dip, dport, r.U8(), 0, 0);
            }

            case ScapFdType.Ipv6ServSock:
            {
                var ip = new IPAddress(r.Bytes(16));
                ushort port = r.U16();
                return new FdRecord(fd, ino, type, 0, "", null, 0, ip, port, r.U8(), 0, 0);
            }

            case ScapFdType.UnixSock:
            {
                ulong source = r.U64(), dest = r.U64();
                return new FdRecord(fd, ino, type, 0, r.Str(MaxPath, "unix path"), null, 0, null, 0, 0, source, dest);
            }

            case ScapFdType.FileV2:
            {
                uint openFlags = r.U32();
                string name = r.Str(MaxPath, "name");
                // Only FDL_V2 entries may carry the device after the name.
                if (entryEnd >= 0 && entryEnd - r.Position >= 4)
                {
                    r.Skip(4);
                }

                return new FdRecord(fd, ino, type, openFlags, name, null, 0, null, 0, 0, 0, 0);
            }

            case ScapFdType.File or ScapFdType.Directory or ScapFdType.Fifo or ScapFdType.Event or ScapFdType.Unsupported
                or ScapFdType.SignalFd or ScapFdType.EventPoll or ScapFdType.Inotify or ScapFdType.TimerFd or ScapFdType.Netlink
                or ScapFdType.Bpf or ScapFdType.UserFaultFd or ScapFdType.IoUring or ScapFdType.MemFd or ScapFdType.PidFd:
                return new FdRecord(fd, ino, type, 0, r.Str(MaxPath, "name"), null, 0, null, 0, 0, 0, 0);

            default:
                throw Damage($"fd {fd} has unknown type {(int)type}");
        }
    }

    public void ReadInterfaceList(ReadOnlySpan<byte> body, bool v2, IScapMetadataSink sink)
    {
        var r = new SpanReader(body, this);
        while (r.Remaining >= 4)
        {
            int next = -1;
            if (v2)
            {
                // Unlike the other V2 entries, this length does not count its own four bytes.
                uint entryLength = r.U32();
                if (entryLength > r.Remaining)
                {
                    throw Damage($"interface entry length {entryLength} does not fit the block");
                }

                next = r.Position + (int)entryLength;
            }

            ushort type = r.U16();
            ushort nameLength = r.U16();
            int addressSize = type is 1 or 3 ? 4 : type is 2 or 4 ? 16 : throw Damage($"interface type {type} is unknown");
            var address = new IPAddress(r.Bytes(addressSize));
            var netmask = new IPAddress(r.Bytes(addressSize));
            var broadcast = new IPAddress(r.Bytes(addressSize));
            ulong linkSpeed = type is 1 or 2 ? r.U64() : 0;
            string name = Encoding.UTF8.GetString(r.Bytes(nameLength));
            sink.OnInterface(new InterfaceRecord(name, address, netmask, broadcast, linkSpeed));
            if (next >= 0)
            {
                r = new SpanReader(body, this) { Position = next };
            }
        }
    }

    public void ReadUserList(ReadOnlySpan<byte> body, bool v2, IScapMetadataSink sink)
    {
        var r = new SpanReader(body, this);
        while (r.Remaining >= 4)
        {
            int next = -1;
            if (v2)
            {
                int start = r.Position;
                uint entryLength = r.U32();
                if (entryLength < 4 || entryLength > body.Length - start)
                {
                    throw Damage($"user entry length {entryLength} does not fit the block");
                }

                next = start + (int)entryLength;
            }

            byte type = r.U8();
            if (type == 0)
            {
                uint uid = r.U32(), gid = r.U32();
                string name = r.Str(256, "user name"), home = r.Str(256, "home directory"), shell = r.Str(256, "shell");
                sink.OnUser(new UserRecord(uid, gid, name, home, shell));
            }
            else if (type == 1)
            {
                uint gid = r.U32();
                sink.OnGroup(new GroupRecord(gid, r.Str(256, "group name")));
            }
            else
            {
                throw Damage($"user list entry type {type} is unknown");
            }

            if (next >= 0)
            {
                r = new SpanReader(body, this) { Position = next };
            }
        }
    }

    internal ScapFormatException Damage(string detail) => new(ScapErrorKind.CorruptBlock, file, blockOffset, blockType, detail);

    /// <summary>Text up to the first NUL, as the C reader sees it.</summary>
    internal static string CString(ReadOnlySpan<byte> bytes)
    {
        int nul = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? bytes[..nul] : bytes);
    }

    private ref struct SpanReader(ReadOnlySpan<byte> data, MetadataParser owner)
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public int Position { get; set; }

        public readonly int Remaining => _data.Length - Position;

        public readonly SpanReader Bounded(int end) => new(_data[..end], owner) { Position = Position };

        public ReadOnlySpan<byte> Bytes(int count)
        {
            if (count > Remaining)
            {
                throw owner.Damage($"an entry runs past the end of the block ({count} bytes needed, {Remaining} left)");
            }

            ReadOnlySpan<byte> s = _data.Slice(Position, count);
            Position += count;
            return s;
        }

        public void Skip(int count) => Bytes(count);

        public byte U8() => Bytes(1)[0];

        public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2));

        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));

        public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8));

        public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Bytes(8));

        public string Str(int max, string what)
        {
            ushort length = U16();
            if (length > max)
            {
                throw owner.Damage($"{what} length {length} exceeds {max}");
            }

            return CString(Bytes(length));
        }

        public IReadOnlyList<string> List(int max, string what)
        {
            ushort length = U16();
            if (length > max)
            {
                throw owner.Damage($"{what} length {length} exceeds {max}");
            }

            return Params.NulList(Bytes(length));
        }
    }
}
