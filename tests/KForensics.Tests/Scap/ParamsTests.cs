using System.Buffers.Binary;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;
using Xunit;

namespace KForensics.Tests.Scap;

/// <summary>
/// The one parameter reader: the located values of the decoders, the stored value of the exporter, the
/// reader's GetParam and the state parsers' typed reads all find the bytes the writer's encoder wrote,
/// and damaged lengths only shorten what they find.
/// </summary>
public sealed class ParamsTests
{
    private static readonly byte[][] OpenatExit =
    [
        ScapParamEncoder.Encode(ParamType.Fd, 5L),
        ScapParamEncoder.Encode(ParamType.Fd, -100L),
        ScapParamEncoder.Encode(ParamType.FsRelPath, "/etc/passwd"),
        ScapParamEncoder.Encode(ParamType.Flags32, 1u),
        ScapParamEncoder.Encode(ParamType.UInt32, 0u),
        ScapParamEncoder.Encode(ParamType.UInt32, 0x803u),
    ];

    [Fact]
    public void EveryReadOfAValueFindsTheBytesTheEncoderWrote()
    {
        RawEvent ev = TestEvents.Build(EventIds.SyscallOpenat_2X, OpenatExit);
        Span<int> starts = stackalloc int[OpenatExit.Length];
        Span<int> lengths = stackalloc int[OpenatExit.Length];
        var located = new Params(ev, OpenatExit.Length, starts, lengths);

        Assert.Equal(OpenatExit.Length, located.Count);
        for (int i = 0; i < OpenatExit.Length; i++)
        {
            Assert.Equal(OpenatExit[i], located.Value(i).ToArray());
            Assert.Equal(OpenatExit[i], Params.Stored(ev, i).ToArray());
            Assert.Equal(OpenatExit[i], ev.GetParam(i).ToArray());
            Assert.Equal(OpenatExit[i].Length, located.Length(i));
        }

        Assert.Equal(5, Params.I64(ev, 0));
        Assert.Equal(-100, Params.I64(ev, 1));
        Assert.Equal("/etc/passwd", Params.Str(ev, 2));
        Assert.Equal(0x803u, Params.U32(ev, 5));
        Assert.Equal(0x803UL, Params.U64(ev, 5));
    }

    [Fact]
    public void AParameterTheFileDoesNotCarryReadsAsEmpty()
    {
        RawEvent ev = TestEvents.Build(EventIds.SyscallOpenat_2X, OpenatExit[..3]);
        Assert.True(Params.Has(ev, 2));
        Assert.False(Params.Has(ev, 3));
        Assert.True(Params.Get(ev, 3).IsEmpty);
        Assert.Equal(0u, Params.U32(ev, 5));
        Assert.Equal(string.Empty, Params.Str(ev, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = ev.GetParam(3).Length);
    }

    [Fact]
    public void ALengthBeyondTheEventIsCutAtItsEnd()
    {
        RawEvent ev = TestEvents.Build(EventIds.SyscallOpenat_2X, OpenatExit);
        // The name claims 60000 bytes: it runs to the end of the event (not into the bytes after it), and what follows is empty.
        BinaryPrimitives.WriteUInt16LittleEndian(ev.Buffer.AsSpan(ev.Offset + ev.HeaderSize + (2 * 2)), 60000);
        int nameStart = ev.HeaderSize + (2 * OpenatExit.Length) + OpenatExit[0].Length + OpenatExit[1].Length;
        int toEnd = (int)ev.Length - nameStart;

        Span<int> starts = stackalloc int[OpenatExit.Length];
        Span<int> lengths = stackalloc int[OpenatExit.Length];
        var located = new Params(ev, OpenatExit.Length, starts, lengths);
        Assert.Equal(toEnd, located.Value(2).Length);
        Assert.Equal(toEnd, Params.Stored(ev, 2).Length);
        Assert.Equal(toEnd, ev.GetParam(2).Length);
        Assert.True(located.Value(3).IsEmpty);
        Assert.True(Params.Stored(ev, 3).IsEmpty);
        Assert.Equal(0u, Params.U32(ev, 5));
        Assert.Equal(5, Params.I64(ev, 0));
    }

    [Fact]
    public void AnFdListGivesTheFdsItHoldsWhole()
    {
        byte[] list = ScapParamEncoder.Encode(ParamType.FdList, new[] { new ScapPollFd(3, 1), new ScapPollFd(-1, 4), new ScapPollFd(42, 0) });
        Assert.Equal(3, Params.FdListCount(list));
        Assert.Equal(new long[] { 3, -1, 42 }, Enumerable.Range(0, 3).Select(j => Params.FdListFd(list, j)).ToArray());

        // The last entry without its flags still has its fd; without part of its fd it is not counted.
        Assert.Equal(3, Params.FdListCount(list.AsSpan(0, list.Length - 2)));
        Assert.Equal(2, Params.FdListCount(list.AsSpan(0, list.Length - 3)));
        Assert.Equal(0, Params.FdListCount(list.AsSpan(0, 1)));
    }
}
