using System.Buffers.Binary;
using System.Globalization;

namespace KForensics.Core.Criu;

/// <summary>How an image file begins.</summary>
internal enum CriuImageHead
{
    /// <summary>Raw data (pages, ip tool output, tarballs): no magic, no protobuf framing.</summary>
    Raw,
    /// <summary>Only the type magic (inventory.img).</summary>
    TypeOnly,
    /// <summary>IMG_COMMON then the type magic.</summary>
    Common,
    /// <summary>IMG_SERVICE then the type magic (stats-*, irmap-cache).</summary>
    Service,
}

/// <summary>What a file's name says it holds.</summary>
internal sealed record CriuImageType(string MagicName, uint Magic, CriuImageHead Head)
{
    public bool IsRaw => Head == CriuImageHead.Raw;
}

/// <summary>
/// CRIU image magic numbers (criu/include/magic.h) and the file names that carry them
/// (criu/image-desc.c). Names follow crit's spelling: one name per value, aliases dropped.
/// </summary>
internal static class CriuMagic
{
    public const uint ImgCommon = 0x54564319;
    public const uint ImgService = 0x55105940;

    public const uint Inventory = 0x58313116;
    public const uint Pstree = 0x50273030;
    public const uint Fdinfo = 0x56213732;
    public const uint Pagemap = 0x56084025;
    public const uint Core = 0x55053847;
    public const uint Ids = 0x54432030;
    public const uint Vmas = 0x54123737;
    public const uint Pipes = 0x56513555;
    public const uint PipesData = 0x56453709;
    public const uint Fifo = 0x58364939;
    public const uint FifoData = 0x59333054;
    public const uint Sigact = 0x55344201;
    public const uint UnixSk = 0x54373943;
    public const uint InetSk = 0x56443851;
    public const uint PacketSk = 0x60454618;
    public const uint Itimers = 0x57464056;
    public const uint PosixTimers = 0x52603957;
    public const uint SkQueues = 0x56264026;
    public const uint Utsns = 0x54473203;
    public const uint Creds = 0x54023547;
    public const uint IpcVar = 0x53115007;
    public const uint IpcnsShm = 0x46283044;
    public const uint IpcnsMsg = 0x55453737;
    public const uint IpcnsSem = 0x59573019;
    public const uint RegFiles = 0x50363636;
    public const uint ExtFiles = 0x59255641;
    public const uint Fs = 0x51403912;
    public const uint Mm = 0x57492820;
    public const uint RemapFpath = 0x59133954;
    public const uint GhostFile = 0x52583605;
    public const uint TcpStream = 0x51465506;
    public const uint EventfdFile = 0x44523722;
    public const uint EventpollFile = 0x45023858;
    public const uint EventpollTfd = 0x44433746;
    public const uint Signalfd = 0x57323820;
    public const uint InotifyFile = 0x48424431;
    public const uint InotifyWd = 0x54562009;
    public const uint Mnts = 0x55563928;
    public const uint Netdev = 0x57373951;
    public const uint Netns = 0x55933752;
    public const uint TtyFiles = 0x59433025;
    public const uint TtyInfo = 0x59453036;
    public const uint TtyData = 0x59413026;
    public const uint FileLocks = 0x54323616;
    public const uint Rlimit = 0x57113925;
    public const uint FanotifyFile = 0x55096122;
    public const uint FanotifyMark = 0x56506035;
    public const uint Signal = 0x59255647;
    public const uint NetlinkSk = 0x58005614;
    public const uint NsFiles = 0x61394011;
    public const uint Tunfile = 0x57143751;
    public const uint Cgroup = 0x59383330;
    public const uint Timerfd = 0x50493712;
    public const uint Cpuinfo = 0x61404013;
    public const uint Userns = 0x55474906;
    public const uint Seccomp = 0x64413049;
    public const uint BinfmtMisc = 0x67343323;
    public const uint Autofs = 0x49353943;
    public const uint Files = 0x56303138;
    public const uint MemfdInode = 0x48453499;
    public const uint Timens = 0x43114433;
    public const uint Pidns = 0x61157326;
    public const uint BpfmapFile = 0x57506142;
    public const uint BpfmapData = 0x64324033;
    public const uint Apparmor = 0x59423047;
    public const uint Pidfd = 0x54435556;
    public const uint Stats = 0x57093306;
    public const uint IrmapCache = 0x57004059;

    private static readonly Dictionary<uint, string> Names = new()
    {
        [ImgCommon] = "IMG_COMMON", [ImgService] = "IMG_SERVICE",
        [Inventory] = "INVENTORY", [Pstree] = "PSTREE", [Fdinfo] = "FDINFO", [Pagemap] = "PAGEMAP",
        [Core] = "CORE", [Ids] = "IDS", [Vmas] = "VMAS", [Pipes] = "PIPES", [PipesData] = "PIPES_DATA",
        [Fifo] = "FIFO", [FifoData] = "FIFO_DATA", [Sigact] = "SIGACT", [UnixSk] = "UNIXSK",
        [InetSk] = "INETSK", [PacketSk] = "PACKETSK", [Itimers] = "ITIMERS", [PosixTimers] = "POSIX_TIMERS",
        [SkQueues] = "SK_QUEUES", [Utsns] = "UTSNS", [Creds] = "CREDS", [IpcVar] = "IPC_VAR",
        [IpcnsShm] = "IPCNS_SHM", [IpcnsMsg] = "IPCNS_MSG", [IpcnsSem] = "IPCNS_SEM",
        [RegFiles] = "REG_FILES", [ExtFiles] = "EXT_FILES", [Fs] = "FS", [Mm] = "MM",
        [RemapFpath] = "REMAP_FPATH", [GhostFile] = "GHOST_FILE", [TcpStream] = "TCP_STREAM",
        [EventfdFile] = "EVENTFD_FILE", [EventpollFile] = "EVENTPOLL_FILE", [EventpollTfd] = "EVENTPOLL_TFD",
        [Signalfd] = "SIGNALFD", [InotifyFile] = "INOTIFY_FILE", [InotifyWd] = "INOTIFY_WD",
        [Mnts] = "MNTS", [Netdev] = "NETDEV", [Netns] = "NETNS", [TtyFiles] = "TTY_FILES",
        [TtyInfo] = "TTY_INFO", [TtyData] = "TTY_DATA", [FileLocks] = "FILE_LOCKS", [Rlimit] = "RLIMIT",
        [FanotifyFile] = "FANOTIFY_FILE", [FanotifyMark] = "FANOTIFY_MARK", [Signal] = "SIGNAL",
        [NetlinkSk] = "NETLINK_SK", [NsFiles] = "NS_FILES", [Tunfile] = "TUNFILE", [Cgroup] = "CGROUP",
        [Timerfd] = "TIMERFD", [Cpuinfo] = "CPUINFO", [Userns] = "USERNS", [Seccomp] = "SECCOMP",
        [BinfmtMisc] = "BINFMT_MISC", [Autofs] = "AUTOFS", [Files] = "FILES", [MemfdInode] = "MEMFD_INODE",
        [Timens] = "TIMENS", [Pidns] = "PIDNS", [BpfmapFile] = "BPFMAP_FILE", [BpfmapData] = "BPFMAP_DATA",
        [Apparmor] = "APPARMOR", [Pidfd] = "PIDFD", [Stats] = "STATS", [IrmapCache] = "IRMAP_CACHE",
    };

    private enum Id { None, Decimal, Hex, Word }

    private sealed record NamePattern(string Prefix, Id Id, string Suffix, CriuImageType Type);

    // Longer prefixes first: "pagemap-shmem-" must win over "pagemap-", "netns-ct-" over "netns-".
    private static readonly NamePattern[] Patterns = BuildPatterns();

    private static NamePattern[] BuildPatterns()
    {
        var list = new List<NamePattern>();
        void Common(string prefix, Id id, uint magic) =>
            list.Add(new NamePattern(prefix, id, ".img", new CriuImageType(Names[magic], magic, CriuImageHead.Common)));
        void Raw(string prefix, Id id, string suffix, string label) =>
            list.Add(new NamePattern(prefix, id, suffix, new CriuImageType(label, 0, CriuImageHead.Raw)));

        list.Add(new NamePattern("inventory", Id.None, ".img", new CriuImageType("INVENTORY", Inventory, CriuImageHead.TypeOnly)));
        list.Add(new NamePattern("stats-", Id.Word, "", new CriuImageType("STATS", Stats, CriuImageHead.Service)));
        list.Add(new NamePattern("irmap-cache", Id.None, "", new CriuImageType("IRMAP_CACHE", IrmapCache, CriuImageHead.Service)));

        Common("fdinfo-", Id.Decimal, Fdinfo);
        Common("pagemap-shmem-", Id.Decimal, Pagemap);
        Common("pagemap-", Id.Decimal, Pagemap);
        Common("reg-files", Id.None, RegFiles);
        Common("ext-files", Id.None, ExtFiles);
        Common("ns-files", Id.None, NsFiles);
        Common("eventfd", Id.None, EventfdFile);
        Common("eventpoll-tfd", Id.None, EventpollTfd);
        Common("eventpoll", Id.None, EventpollFile);
        Common("signalfd", Id.None, Signalfd);
        Common("inotify-wd", Id.None, InotifyWd);
        Common("inotify", Id.None, InotifyFile);
        Common("fanotify-mark", Id.None, FanotifyMark);
        Common("fanotify", Id.None, FanotifyFile);
        Common("core-", Id.Decimal, Core);
        Common("ids-", Id.Decimal, Ids);
        Common("mm-", Id.Decimal, Mm);
        Common("vmas-", Id.Decimal, Vmas);
        Common("pipes-data", Id.None, PipesData);
        Common("pipes", Id.None, Pipes);
        Common("fifo-data", Id.None, FifoData);
        Common("fifo", Id.None, Fifo);
        Common("pstree", Id.None, Pstree);
        Common("sigacts-", Id.Decimal, Sigact);
        Common("unixsk", Id.None, UnixSk);
        Common("inetsk", Id.None, InetSk);
        Common("packetsk", Id.None, PacketSk);
        Common("netlinksk", Id.None, NetlinkSk);
        Common("sk-queues", Id.None, SkQueues);
        Common("itimers-", Id.Decimal, Itimers);
        Common("posix-timers-", Id.Decimal, PosixTimers);
        Common("creds-", Id.Decimal, Creds);
        Common("utsns-", Id.Decimal, Utsns);
        Common("ipcns-var-", Id.Decimal, IpcVar);
        Common("ipcns-shm-", Id.Decimal, IpcnsShm);
        Common("ipcns-msg-", Id.Decimal, IpcnsMsg);
        Common("ipcns-sem-", Id.Decimal, IpcnsSem);
        Common("fs-", Id.Decimal, Fs);
        Common("remap-fpath", Id.None, RemapFpath);
        Common("ghost-file-", Id.Hex, GhostFile);
        Common("memfd", Id.None, MemfdInode);
        Common("tcp-stream-", Id.Hex, TcpStream);
        Common("mountpoints-", Id.Decimal, Mnts);
        Common("netdev-", Id.Decimal, Netdev);
        Raw("netns-ct-", Id.Decimal, ".img", "NETNF_CT");
        Raw("netns-exp-", Id.Decimal, ".img", "NETNF_EXP");
        Common("netns-", Id.Decimal, Netns);
        Raw("ifaddr-", Id.Decimal, ".img", "IFADDR");
        Raw("route6-", Id.Decimal, ".img", "ROUTE6");
        Raw("route-", Id.Decimal, ".img", "ROUTE");
        Raw("rule-", Id.Decimal, ".img", "RULE");
        Raw("iptables-", Id.Decimal, ".img", "IPTABLES");
        Raw("ip6tables-", Id.Decimal, ".img", "IP6TABLES");
        Raw("nftables-", Id.Decimal, ".img", "NFTABLES");
        Raw("tmpfs-dev-", Id.Decimal, ".tar.gz.img", "TMPFS_DEV");
        Raw("tmpfs-", Id.Decimal, ".tar.gz.img", "TMPFS_IMG");
        Common("autofs-", Id.Decimal, Autofs);
        Common("binfmt-misc-", Id.Decimal, BinfmtMisc);
        Common("binfmt-misc", Id.None, BinfmtMisc);
        Common("tty-info", Id.None, TtyInfo);
        Common("tty-data", Id.None, TtyData);
        Common("tty", Id.None, TtyFiles);
        Common("filelocks", Id.None, FileLocks);
        Common("rlimit-", Id.Decimal, Rlimit);
        Raw("pages-", Id.Decimal, ".img", "PAGES");
        Common("signal-s-", Id.Decimal, Signal);
        Common("signal-p-", Id.Decimal, Signal);
        Common("tunfile", Id.None, Tunfile);
        Common("cgroup", Id.None, Cgroup);
        Common("timerfd", Id.None, Timerfd);
        Common("cpuinfo", Id.None, Cpuinfo);
        Common("seccomp", Id.None, Seccomp);
        Common("userns-", Id.Decimal, Userns);
        Common("files", Id.None, Files);
        Common("timens-", Id.Decimal, Timens);
        Common("pidns-", Id.Decimal, Pidns);
        Common("bpfmap-file", Id.None, BpfmapFile);
        Common("bpfmap-data", Id.None, BpfmapData);
        Common("apparmor", Id.None, Apparmor);
        Common("pidfd", Id.None, Pidfd);
        return list.OrderByDescending(p => p.Prefix.Length).ToArray();
    }

    /// <summary>crit's name for a magic value, or null for values CRIU does not define.</summary>
    public static string? MagicName(uint magic) => Names.TryGetValue(magic, out string? name) ? name : null;

    /// <summary>What an image file of this name must hold, or null when CRIU writes no such name.</summary>
    public static CriuImageType? FromFileName(string fileName)
    {
        string name = Path.GetFileName(fileName);
        foreach (var p in Patterns)
        {
            if (!name.StartsWith(p.Prefix, StringComparison.Ordinal) || !name.EndsWith(p.Suffix, StringComparison.Ordinal))
                continue;
            int idLength = name.Length - p.Prefix.Length - p.Suffix.Length;
            if (idLength < 0)
                continue;
            var id = name.AsSpan(p.Prefix.Length, idLength);
            if (IdMatches(id, p.Id))
                return p.Type;
        }
        return null;
    }

    private static bool IdMatches(ReadOnlySpan<char> id, Id kind) => kind switch
    {
        Id.None => id.IsEmpty,
        Id.Decimal => !id.IsEmpty && (id[0] == '-' ? id.Length > 1 && IsAll(id[1..], char.IsAsciiDigit) : IsAll(id, char.IsAsciiDigit)),
        Id.Hex => !id.IsEmpty && IsAll(id, char.IsAsciiHexDigit),
        Id.Word => !id.IsEmpty && IsAll(id, c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'),
        _ => false,
    };

    private static bool IsAll(ReadOnlySpan<char> s, Func<char, bool> test)
    {
        foreach (char c in s)
        {
            if (!test(c))
                return false;
        }
        return true;
    }

    /// <summary>True when <paramref name="word"/> is <paramref name="magic"/> written by a big-endian host.</summary>
    public static bool IsByteSwapped(uint word, uint magic) =>
        magic != 0 && word != magic && BinaryPrimitives.ReverseEndianness(word) == magic;

    public static string Hex(uint value) => "0x" + value.ToString("x8", CultureInfo.InvariantCulture);
}
