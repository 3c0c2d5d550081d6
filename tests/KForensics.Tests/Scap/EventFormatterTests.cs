using KForensics.Core.Scap.Decoding;
using KForensics.Core.Scap.Format;
using Xunit;
using static KForensics.Tests.Scap.TestEvents;

namespace KForensics.Tests.Scap;

// Expected texts follow what sysdig 0.29.3 prints for the same values in the real captures
// (e.g. bencer_ex0_nginx.scap event 69, instruqt_svh5_activity.scap openat events).
public sealed class EventFormatterTests
{
    private static TestContext Context()
    {
        var context = new TestContext { Cwd = "/root/.tmp" };
        context.Fds[11] = ("f", "/usr/share/nginx/html/index.html");
        context.Fds[3] = ("4t", "172.18.0.1:51910->172.18.0.2:80");
        context.Fds[10] = ("4u", "x");
        context.Fds[7] = ("d", "/var/log");
        context.Threads[502] = "bash";
        context.Users[0] = "root";
        return context;
    }

    [Fact]
    public void OpenExitPrintsFdFlagsAndOctalMode()
    {
        string info = Info(EventIds.SyscallOpenX, Context(),
            I64(11), Str("/usr/share/nginx/html/index.html"), U32(65), U32(0));
        Assert.Equal("fd=11(<f>/usr/share/nginx/html/index.html) name=/usr/share/nginx/html/index.html flags=65(O_NONBLOCK|O_RDONLY) mode=0 ", info);
    }

    [Fact]
    public void OnlyTheOraclesParamsArePrintedButArgumentsKeepAll()
    {
        // Current libs append ino (param 6) to open's exit; sysdig 0.29.3 knows five params.
        byte[][] values = [I64(11), Str("/a"), U32(1), U32(0x1a4), U32(0x803), I64(1234)];
        string info = Info(EventIds.SyscallOpenX, Context(), values);
        Assert.Equal("fd=11(<f>/usr/share/nginx/html/index.html) name=/a flags=1(O_RDONLY) mode=0644 dev=803 ", info);

        RawEvent ev = Build(EventIds.SyscallOpenX, values);
        var args = EventArguments.Decode(ev, EventTable.Get(EventIds.SyscallOpenX), null);
        Assert.Equal(["fd", "name", "flags", "mode", "dev", "ino"], args.Select(a => a.Key));
        Assert.Equal(1234UL, args[5].Value);
    }

    [Fact]
    public void ErrnoAndNegativeFdsAreNamed()
    {
        Assert.Equal("res=-2(ENOENT) ", Info(EventIds.SyscallCloseX, Context(), I64(-2)));
        Assert.Equal("res=0 ", Info(EventIds.SyscallCloseX, Context(), I64(0)));
        Assert.Equal("res=-999 ", Info(EventIds.SyscallCloseX, Context(), I64(-999)));

        // sysdig resolves any negative fd as an errno: -1 becomes EPERM.
        Assert.Equal("fd=-1(EPERM) ", Info(EventIds.SyscallCloseE, Context(), I64(-1)));
        Assert.Equal("fd=5 ", Info(EventIds.SyscallCloseE, Context(), I64(5)));
    }

    [Fact]
    public void FdsAreBareNumbersWithoutAThread()
    {
        Assert.Equal("fd=11 ", Info(EventIds.SyscallCloseE, null, I64(11)));
        Assert.Equal("fd=11 ", Info(EventIds.SyscallCloseE, new TestContext { HasThread = false }, I64(11)));
    }

    [Fact]
    public void RelativePathsResolveAgainstCwdAndDirfd()
    {
        string info = Info(EventIds.SyscallOpenat2X, Context(),
            I64(-17), I64(-100), Str(".sshd/bin.tgz"), U32(4198), U32(0x180), U32(0));
        Assert.StartsWith("fd=-17(EEXIST) dirfd=-100(AT_FDCWD) name=.sshd/bin.tgz(/root/.tmp/.sshd/bin.tgz) flags=4198(O_NONBLOCK|O_EXCL|O_CREAT|O_WRONLY|O_CLOEXEC) mode=0600 ", info);

        // dirfd 7 is /var/log; "../" rewinds, "./" disappears.
        string viaDirfd = Info(EventIds.SyscallMkdiratX, Context(), I64(0), I64(7), Str("./../tmp/x/"), U32(0x1ff));
        Assert.Equal("res=0 dirfd=7(<d>/var/log) path=./../tmp/x/(/var/tmp/x) mode=1FF ", viaDirfd);

        Assert.Equal("res=0 path=/etc/passwd ", Info(EventIds.SyscallStatX, Context(), I64(0), Str("/etc/passwd")));
    }

    [Fact]
    public void PathsDropUnprintableBytesAndEmptyValuesRepeatThePreviousText()
    {
        Assert.Equal("res=0 path=/tmp/ab ", Info(EventIds.SyscallStatX, Context(), I64(0), Concat(Raw("/tmp/a"), [1, 0xff], Raw("b"), [0])));

        // A zero-length path leaves sinsp's buffer as the previous parameter left it.
        Assert.Equal("res=-14(EFAULT) path=-14 ", Info(EventIds.SyscallStatX, Context(), I64(-14), []));
    }

    [Fact]
    public void BuffersShowDotsAndAreCutAt80()
    {
        Assert.Equal("res=5 data=a.b.. ", Info(EventIds.SyscallReadX, Context(), I64(5), Raw("a\rb\xc3\0")));
        string longData = new('x', 100);
        string info = Info(EventIds.SyscallReadX, Context(), I64(100), Raw(longData));
        Assert.Equal("res=100 data=" + new string('x', 77) + "... ", info);
        Assert.Equal("res=0 data= ", Info(EventIds.SyscallReadX, Context(), I64(0), []));
    }

    [Fact]
    public void Unsigned32PrintsSignedAsSysdigDoes()
    {
        Assert.Equal("fd=3(<4t>172.18.0.1:51910->172.18.0.2:80) size=-1 ", Info(EventIds.SyscallReadE, Context(), I64(3), U32(uint.MaxValue)));
    }

    [Fact]
    public void SocketAddressesAndTuples()
    {
        byte[] v4 = Concat(U8(2), [172, 18, 0, 1], U16(51910), [172, 18, 0, 2], U16(80));
        Assert.Equal("res=0 tuple=172.18.0.1:51910->172.18.0.2:80 ", Info(EventIds.SocketConnectX, Context(), I64(0), v4));

        byte[] src6 = [0x26, 0x00, 0x1f, 0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0xd2, 0x9e, 0, 0];
        byte[] dst6 = [0x26, 0x07, 0xf8, 0xb0, 0x40, 0x04, 0x08, 0x02, 0, 0, 0, 0, 0, 0, 0x20, 0x04];
        byte[] v6 = Concat(U8(10), src6, U16(37140), dst6, U16(80));
        Assert.Equal("res=0 tuple=2600:1f18::d29e:0:37140->2607:f8b0:4004:802::2004:80 ", Info(EventIds.SocketConnectX, Context(), I64(0), v6));

        byte[] mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1];
        byte[] mapped2 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 2];
        Assert.Equal("res=0 tuple=10.0.0.1:1->10.0.0.2:2 ", Info(EventIds.SocketConnectX, Context(), I64(0), Concat(U8(10), mapped, U16(1), mapped2, U16(2))));

        byte[] unix = Concat(U8(1), BitConverter.GetBytes(0xffff91bbfc5e6000UL), BitConverter.GetBytes(0xffff91bbfc5e7000UL), Str("/var/run/dbus/system_bus_socket"));
        Assert.Equal("res=0 tuple=ffff91bbfc5e6000->ffff91bbfc5e7000 /var/run/dbus/system_bus_socket ", Info(EventIds.SocketConnectX, Context(), I64(0), unix));
        Assert.Equal("res=0 tuple=NULL ", Info(EventIds.SocketConnectX, Context(), I64(0), []));

        Assert.Equal("fd=5 addr=::1:53 ", Info(EventIds.SocketConnectE, Context(), I64(5), Concat(U8(10), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], U16(53))));
        Assert.Equal("fd=5 addr=/tmp/s ", Info(EventIds.SocketConnectE, Context(), I64(5), Concat(U8(1), Str("/tmp/s"))));
        Assert.Equal("fd=5 addr=family 7 ", Info(EventIds.SocketConnectE, Context(), I64(5), U8(7)));
        Assert.Equal("fd=5 addr=INVALID IPv4 ", Info(EventIds.SocketConnectE, Context(), I64(5), Concat(U8(2), [1, 2, 3, 4])));
    }

    [Fact]
    public void PidsCarryTheThreadNameAndSignalsTheirName()
    {
        Assert.Equal("pid=502(bash) sig=15(SIGTERM) ", Info(EventIds.SyscallKillE, Context(), I64(502), U8(15)));
        Assert.Equal("pid=7 sig=64 ", Info(EventIds.SyscallKillE, Context(), I64(7), U8(64)));
    }

    [Fact]
    public void RelativeTimesInSeconds()
    {
        Assert.Equal("interval=1000000000(1s) ", Info(EventIds.SyscallNanosleepE, Context(), I64(1_000_000_000)));
        Assert.Equal("interval=0(0s) ", Info(EventIds.SyscallNanosleepE, Context(), I64(0)));
        Assert.Equal("interval=1500(1.5e-06s) ", Info(EventIds.SyscallNanosleepE, Context(), I64(1500)));
        Assert.Equal("interval=none ", Info(EventIds.SyscallNanosleepE, Context(), I64(-1)));
    }

    [Fact]
    public void PollListsUseTheFdTypeCharAndHexEvents()
    {
        byte[] fds = Concat(U16(2), I64(10), U16(0x41), I64(99), U16(1));
        // sysdig 0.29.3's poll exit has no timeout parameter: the third value is not printed.
        Assert.Equal("res=1 fds=10:441 99:?1 ", Info(EventIds.SyscallPollX, Context(), I64(1), fds, I64(0)));
        Assert.Equal("res=0 fds= ", Info(EventIds.SyscallPollX, Context(), I64(0), U16(0)));

        // Without a thread sysdig does not write the list: the previous text stays.
        Assert.Equal("res=1 fds=1 ", Info(EventIds.SyscallPollX, null, I64(1), fds));
    }

    [Fact]
    public void UidsNameTheUserOrSayNone()
    {
        Assert.Equal("uid=0(root) ", Info(EventIds.SyscallSetuidE, Context(), U32(0)));
        Assert.Equal("uid=1000(<NA>) ", Info(EventIds.SyscallSetuidE, Context(), U32(1000)));
        Assert.Equal("uid=-1(<NONE>) ", Info(EventIds.SyscallSetuidE, Context(), U32(uint.MaxValue)));
    }

    [Fact]
    public void DynamicValuesUseTheSelectedTypeAndEnumFlagsTheirName()
    {
        byte[] val = Concat(U8(2), U32(8388608));
        Assert.Equal("res=0 fd=10(<4u>x) level=1(SOL_SOCKET) optname=7(SO_SNDBUF) val=8388608 optlen=4 ",
            Info(EventIds.SocketSetsockoptX, Context(), I64(0), I64(10), U8(1), U8(7), val, U32(4)));
        Assert.Equal("res=0 fd=10(<4u>x) level=1(SOL_SOCKET) optname=7(SO_SNDBUF) val=INVALID DYNAMIC PARAMETER optlen=4 ",
            Info(EventIds.SocketSetsockoptX, Context(), I64(0), I64(10), U8(1), U8(7), [], U32(4)));
    }

    [Fact]
    public void ModeFlagsAndUnknownTypes()
    {
        Assert.Equal("res=0 filename=/f mode=0755(S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR) ",
            Info(EventIds.SyscallChmodX, Context(), I64(0), Str("/f"), U32(0x1ed)));

        // Types sysdig cannot print (only in ids newer than 0.29.3, e.g. the iterator events).
        EventInfo withPort = EventTable.Get(EventIds.IterTaskFileSocketInetE);
        Assert.False(withPort.IsSysdigKnown);
        byte[][] values = withPort.Params.Select(p => new byte[Size(p.Type)]).ToArray();
        string info = Info(withPort.Id, Context(), values);
        Assert.Contains("local_port=(n.a.) ", info, StringComparison.Ordinal);
    }

    [Fact]
    public void GenericEventsHaveNoInfoAndNewerIdsUseTheCurrentTable()
    {
        Assert.Equal(string.Empty, Info(EventIds.GenericE, Context(), U16(1), U16(2)));

        EventInfo newer = EventTable.Get(EventIds.SyscallCloseRangeX);
        Assert.False(newer.IsSysdigKnown);
        string info = Info(newer.Id, Context(), newer.Params.Select(p => new byte[Size(p.Type)]).ToArray());
        Assert.StartsWith(newer.Params[0].Name + "=", info);
    }

    private static int Size(ParamType type) => type switch
    {
        ParamType.Int8 or ParamType.UInt8 or ParamType.Flags8 or ParamType.SigType or ParamType.L4Proto or ParamType.SockFamily or ParamType.EnumFlags8 => 1,
        ParamType.Int16 or ParamType.UInt16 or ParamType.Flags16 or ParamType.Port or ParamType.SyscallId or ParamType.EnumFlags16 => 2,
        ParamType.Int64 or ParamType.UInt64 or ParamType.Fd or ParamType.Pid or ParamType.Errno or ParamType.RelTime or ParamType.AbsTime or ParamType.Double => 8,
        _ => 4,
    };
}
