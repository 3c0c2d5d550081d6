using System.Net;
using KForensics.Core.Scap.Decoding;
using KForensics.Core.Scap.Format;
using Xunit;
using static KForensics.Tests.Scap.TestEvents;

namespace KForensics.Tests.Scap;

public sealed class EventArgumentsTests
{
    private static IReadOnlyList<KeyValuePair<string, object?>> Decode(ushort type, params byte[][] values)
        => EventArguments.Decode(Build(type, values), EventTable.Get(type), null);

    [Fact]
    public void NumbersKeepTheirTableTypes()
    {
        var args = Decode(EventIds.SyscallReadE, I64(3), U32(uint.MaxValue));
        Assert.Equal(new KeyValuePair<string, object?>("fd", 3L), args[0]);
        Assert.Equal(new KeyValuePair<string, object?>("size", uint.MaxValue), args[1]);

        var kill = Decode(EventIds.SyscallKillE, I64(502), U8(15));
        Assert.Equal(502L, kill[0].Value);
        Assert.Equal((byte)15, kill[1].Value);
    }

    [Fact]
    public void StringsAndBuffers()
    {
        var stat = Decode(EventIds.SyscallStatX, I64(-2), Str("../etc/passwd"));
        Assert.Equal(-2L, stat[0].Value);
        Assert.Equal("../etc/passwd", stat[1].Value);

        var read = Decode(EventIds.SyscallReadX, I64(3), [1, 2, 0, 3]);
        Assert.Equal(new byte[] { 1, 2, 0, 3 }, Assert.IsType<byte[]>(read[1].Value));
    }

    [Fact]
    public void SocketsBecomeEndpointsAndTuples()
    {
        byte[] v4 = Concat(U8(2), [172, 18, 0, 1], U16(51910), [172, 18, 0, 2], U16(80));
        var connect = Decode(EventIds.SocketConnectX, I64(0), v4);
        var tuple = Assert.IsType<IpTuple>(connect[1].Value);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("172.18.0.1"), 51910), tuple.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("172.18.0.2"), 80), tuple.Destination);
        Assert.Equal("172.18.0.1:51910->172.18.0.2:80", tuple.ToString());

        var addr = Decode(EventIds.SocketConnectE, I64(5), Concat(U8(10), IPAddress.Parse("2607:f8b0::1").GetAddressBytes(), U16(443)));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2607:f8b0::1"), 443), addr[1].Value);

        var unix = Decode(EventIds.SocketConnectX, I64(0), Concat(U8(1), BitConverter.GetBytes(0x10UL), BitConverter.GetBytes(0x20UL), Str("/run/s")));
        Assert.Equal(new UnixTuple(0x10, 0x20, "/run/s"), unix[1].Value);

        Assert.Null(Decode(EventIds.SocketConnectX, I64(0), [])[1].Value);
    }

    [Fact]
    public void PollListsDynamicValuesAndWrongSizes()
    {
        var poll = Decode(EventIds.SyscallPollX, I64(1), Concat(U16(1), I64(10), U16(1)), I64(-1));
        Assert.Equal(new[] { new PollFd(10, 1) }, Assert.IsType<PollFd[]>(poll[1].Value));
        Assert.Equal(-1L, poll[2].Value);

        var setsockopt = Decode(EventIds.SocketSetsockoptX, I64(0), I64(4), U8(1), U8(7), Concat(U8(2), U32(8388608)), U32(4));
        Assert.Equal(8388608U, setsockopt[4].Value);
        Assert.Equal(1U, setsockopt[2].Value);

        // A fixed-size value of the wrong size is kept as bytes rather than misread.
        var odd = Decode(EventIds.SyscallCloseE, [1, 2, 3]);
        Assert.Equal(new byte[] { 1, 2, 3 }, odd[0].Value);
    }

    [Fact]
    public void EveryStoredParamTheCurrentTableKnowsIsKept()
    {
        // More values than the current table describes: the extra one is not named.
        var args = Decode(EventIds.SyscallCloseE, I64(4), I64(99));
        Assert.Single(args);
    }
}
