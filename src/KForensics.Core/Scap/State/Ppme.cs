namespace KForensics.Core.Scap.State;

/// <summary>
/// The event ids the state parsers dispatch on, as numbered in sysdig 0.29.3's table (ids are
/// append-only, so they hold for every capture). Kept here so the parsers read like sinsp's.
/// </summary>
internal static class Ppme
{
    public const int OpenE = 2, OpenX = 3, CloseE = 4, CloseX = 5, ReadX = 7, WriteX = 9;
    public const int Execve8X = 13, Clone11X = 15, ProcExitE = 16;
    public const int SocketE = 18, SocketX = 19, BindX = 21, ConnectE = 22, ConnectX = 23, AcceptX = 27;
    public const int SendX = 29, SendToE = 30, SendToX = 31, RecvX = 33, RecvFromX = 35;
    public const int GetSockOptX = 47;
    public const int ShutdownE = 36, SocketPairX = 43, SendMsgE = 48, SendMsgX = 49, RecvMsgX = 53, Accept4X = 57;
    public const int CreatE = 58, CreatX = 59, PipeX = 61, EventFdE = 62, EventFdX = 63;
    public const int ChdirE = 94, ChdirX = 95, FchdirE = 96, FchdirX = 97, OpenAtE = 102, OpenAtX = 103;
    public const int PreadX = 113, PwriteX = 115, ReadvX = 117, WritevX = 119, PreadvX = 121, PwritevX = 123;
    public const int DupX = 125, SignalFdX = 127, TimerFdCreateX = 137, InotifyInitX = 139;
    public const int SchedSwitch6E = 152, FcntlE = 150, FcntlX = 151;
    public const int GetRlimitE = 140, SetRlimitE = 142, PrlimitE = 144;
    public const int Execve13X = 155, Clone16X = 157, Execve14X = 173, ForkX = 183, VforkX = 185, ProcExit1E = 186;
    public const int SendFileE = 188, SetResUidE = 192, SetResUidX = 193, SetResGidE = 194, SetResGidX = 195;
    public const int SetUidE = 198, SetUidX = 199, SetGidE = 200, SetGidX = 201, SetSidX = 275;
    public const int Execve15X = 215, Clone17X = 217, Fork17X = 219, Vfork17X = 221;
    public const int Clone20X = 223, Fork20X = 225, Vfork20X = 227, ContainerE = 228, Execve16X = 231, ProcInfoE = 234;
    public const int K8sE = 260;
    public const int Accept5X = 247, Accept45X = 249, TracerE = 268, ContainerJsonE = 272, Execve17X = 283;
    public const int Execve18E = 288, Execve18X = 289, Execve19E = 292, Execve19X = 293, SetPgidE = 294;
    public const int OpenAt2E = 306, OpenAt2X = 307, ContainerJson2E = 324, OpenAt2NewE = 326, OpenAt2NewX = 327;
    public const int ExecveAtE = 330, ExecveAtX = 331, CopyFileRangeX = 333, Clone3X = 335;

    /// <summary>Events whose enter is kept for the matching exit (sinsp's store_event list).</summary>
    public static bool IsStored(int type) => type is SendToE or OpenE or CreatE or OpenAtE or OpenAt2E or OpenAt2NewE
        or SocketE or EventFdE or ChdirE or FchdirE or ShutdownE or GetRlimitE or SetRlimitE or PrlimitE or SendMsgE
        or SendFileE or SetResUidE or SetResGidE or SetUidE or SetGidE or Execve18E or Execve19E or ExecveAtE or SetPgidE;

    public static bool IsClone(int type) => type is Clone11X or Clone16X or Clone17X or Clone20X or ForkX or Fork17X
        or Fork20X or VforkX or Vfork17X or Vfork20X or Clone3X;

    public static bool IsExecve(int type) => type is Execve8X or Execve13X or Execve14X or Execve15X or Execve16X
        or Execve17X or Execve18X or Execve19X or ExecveAtX;
}
