namespace KForensics.Core.Scap.Format;

/// <summary>Parameter encodings of the event table (<c>enum ppm_param_type</c>); the values are the on-disk ids.</summary>
public enum ParamType : byte
{
    None = 0, Int8 = 1, Int16 = 2, Int32 = 3, Int64 = 4, UInt8 = 5, UInt16 = 6, UInt32 = 7, UInt64 = 8,
    CharBuf = 9, ByteBuf = 10, Errno = 11, SockAddr = 12, SockTuple = 13, Fd = 14, Pid = 15, FdList = 16,
    FsPath = 17, SyscallId = 18, SigType = 19, RelTime = 20, AbsTime = 21, Port = 22, L4Proto = 23,
    SockFamily = 24, Bool = 25, Ipv4Addr = 26, Dyn = 27, Flags8 = 28, Flags16 = 29, Flags32 = 30,
    Uid = 31, Gid = 32, Double = 33, SigSet = 34, CharBufArray = 35, CharBufPairArray = 36,
    Ipv4Net = 37, Ipv6Addr = 38, Ipv6Net = 39, IpAddr = 40, IpNet = 41, Mode = 42, FsRelPath = 43,
    EnumFlags8 = 44, EnumFlags16 = 45, EnumFlags32 = 46, Fd32 = 47, Pid32 = 48,
}

/// <summary>How a parameter is printed (<c>enum ppm_print_format</c>).</summary>
public enum PrintFormat : byte
{
    NA = 0, Dec = 1, Hex = 2, PaddedDec = 3, Id = 4, Dir = 5, Oct = 6,
}

/// <summary>Event flags (<c>enum ppm_event_flags</c>).</summary>
[Flags]
public enum EventFlags : uint
{
    None = 0,
    CreatesFd = 1 << 0,
    DestroysFd = 1 << 1,
    UsesFd = 1 << 2,
    ReadsFromFd = 1 << 3,
    WritesToFd = 1 << 4,
    ModifiesState = 1 << 5,
    Unused = 1 << 6,
    Waits = 1 << 7,
    SkipParseReset = 1 << 8,
    OldVersion = 1 << 9,
    DropSimpleCons = 1 << 10,
    LargePayload = 1 << 11,
    ConverterManaged = 1 << 12,
    TracepointEvent = 1 << 13,
}

/// <summary>Event categories (<c>enum ppm_event_category</c>), as <c>evt.category</c> names them.</summary>
public enum EventCategory
{
    Unknown = 0, Other = 1, File = 2, Net = 3, Ipc = 4, Memory = 5, Process = 6, Sleep = 7, System = 8,
    Signal = 9, User = 10, Time = 11, Processing = 12, IoRead = 32, IoWrite = 33, IoOther = 34, Wait = 64,
    Scheduler = 128, Internal = 256,
}
