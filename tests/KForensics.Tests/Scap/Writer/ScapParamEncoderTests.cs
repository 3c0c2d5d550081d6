using System.Net;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;
using Xunit;

namespace KForensics.Tests.Scap.Writer;

/// <summary>Byte layouts of parameter encodings and writer misuse, as scap-format.md §9–§10 specify them.</summary>
public sealed class ScapParamEncoderTests
{
    [Theory]
    [InlineData(ParamType.Int8, 1)]
    [InlineData(ParamType.Port, 2)]
    [InlineData(ParamType.Uid, 4)]
    [InlineData(ParamType.Mode, 4)]
    [InlineData(ParamType.Errno, 8)]
    [InlineData(ParamType.Fd, 8)]
    [InlineData(ParamType.RelTime, 8)]
    public void FixedSizeTypesHaveTheirSize(ParamType type, int size) => Assert.Equal(size, ScapParamEncoder.Encode(type, 7).Length);

    [Fact]
    public void NegativeValuesKeepTheirSign()
    {
        Assert.Equal(new byte[] { 0x9C, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, ScapParamEncoder.Encode(ParamType.Fd, -100L));
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, ScapParamEncoder.Encode(ParamType.Int32, -1));
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, ScapParamEncoder.Encode(ParamType.UInt64, ulong.MaxValue));
    }

    [Fact]
    public void TextCarriesItsNulAndListsSeparateItems()
    {
        Assert.Equal("/etc\0"u8.ToArray(), ScapParamEncoder.Encode(ParamType.FsPath, "/etc"));
        string[] values = ["a", "b c"];
        Assert.Equal("a\0b c\0"u8.ToArray(), ScapParamEncoder.Encode(ParamType.ByteBuf, values));
        Assert.Equal("raw"u8.ToArray(), ScapParamEncoder.Encode(ParamType.ByteBuf, "raw"));
        Assert.Empty(ScapParamEncoder.Encode(ParamType.CharBuf, null));
    }

    [Fact]
    public void AddressesAreInNetworkOrderAndPortsInHostOrder()
    {
        Assert.Equal(new byte[] { 2, 10, 0, 0, 1, 0x50, 0x00 }, ScapParamEncoder.Encode(ParamType.SockAddr, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 80)));
        byte[] tuple = ScapParamEncoder.Encode(ParamType.SockTuple, new ScapSocketTuple(new IPEndPoint(IPAddress.Parse("1.2.3.4"), 0x1234), new IPEndPoint(IPAddress.Parse("5.6.7.8"), 443)));
        Assert.Equal(new byte[] { 2, 1, 2, 3, 4, 0x34, 0x12, 5, 6, 7, 8, 0xBB, 0x01 }, tuple);
        Assert.Equal(37, ScapParamEncoder.Encode(ParamType.SockTuple, new ScapSocketTuple(new IPEndPoint(IPAddress.IPv6Loopback, 1), new IPEndPoint(IPAddress.IPv6Loopback, 2))).Length);
        Assert.Equal("\u0001/x\0"u8.ToArray(), ScapParamEncoder.Encode(ParamType.SockAddr, new ScapUnixAddress("/x")));
        Assert.Equal(17 + 3, ScapParamEncoder.Encode(ParamType.SockTuple, new ScapUnixTuple(1, 2, "/x")).Length);
    }

    [Fact]
    public void DynAndFdListCarryTheirIndexAndCount()
    {
        Assert.Equal(new byte[] { 2, 5, 0, 0, 0 }, ScapParamEncoder.Encode(ParamType.Dyn, new ScapDynValue(2, ParamType.Int32, 5)));
        Assert.Equal(new byte[] { 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0 }, ScapParamEncoder.Encode(ParamType.FdList, new[] { new ScapPollFd(3, 1) }));
    }

    [Fact]
    public void MisuseIsRefused()
    {
        using var writer = new ScapWriter(new MemoryStream());
        Assert.Throws<ArgumentException>(() => writer.WriteEvent(1, 1, 0, EventIds.SyscallCloseE, 3L, 4L));
        Assert.Throws<ArgumentException>(() => writer.WriteEvent(1, 1, 0, EventIds.SocketConnectE, 3L, "not an address"));
        writer.WriteEvent(1, 1, 0, EventIds.SyscallCloseE, 3L);
        Assert.Throws<InvalidOperationException>(() => writer.AddThread(new ScapThread(1, 1, 0, "late", "late")));
    }
}
