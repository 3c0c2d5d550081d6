using System.Buffers.Binary;
using KForensics.Core.Scap.Decoding;
using KForensics.Core.Scap.Format;
using Xunit;

namespace KForensics.Tests.Scap;

/// <summary>Damaged or odd values never make Info or Arguments throw (Info is built lazily, long after reading).</summary>
public sealed class FormatterRobustnessTests
{
    [Fact]
    public void RandomValuesOfEveryEventTypeFormatAndDecode()
    {
        var random = new Random(20261129);
        var context = new TestContext { Cwd = "/" };
        context.Fds[3] = ("f", "/etc/passwd");
        context.Fds[1] = ("d", "/");
        int formatted = 0;
        foreach (EventInfo info in EventTable.All)
        {
            for (int round = 0; round < 25; round++)
            {
                int count = random.Next(0, info.Params.Count + 3);
                byte[][] values = new byte[count][];
                for (int i = 0; i < count; i++)
                {
                    int length = random.Next(0, 4) == 0 ? random.Next(0, 3) : random.Next(0, 48);
                    values[i] = new byte[length];
                    random.NextBytes(values[i]);

                    // Often make the selector of dynamic params and the socket family plausible.
                    if (length > 0 && random.Next(2) == 0)
                    {
                        values[i][0] = (byte)random.Next(0, 12);
                    }
                }

                RawEvent ev = TestEvents.Build(info.Id, values);
                if (round % 3 == 0 && ev.Length > RawEvent.V2HeaderSize)
                {
                    // Cut the event short: the stored lengths now run past its end.
                    uint header = (uint)(RawEvent.V2HeaderSize + (2 * count));
                    uint cut = (uint)random.Next((int)header, (int)ev.Length + 1);
                    BinaryPrimitives.WriteUInt32LittleEndian(ev.Buffer.AsSpan(ev.Offset + 16), cut);
                }

                Assert.NotNull(EventFormatter.FormatInfo(ev, info, context));
                Assert.NotNull(EventFormatter.FormatInfo(ev, info, null));
                Assert.Equal(Math.Min(ev.ParamCount, info.Params.Count), EventArguments.Decode(ev, info, context).Count);
                formatted++;
            }
        }

        Assert.Equal(EventTable.Count * 25, formatted);
    }

    [Fact]
    public void HugeStoredLengthsAreBoundedByTheEvent()
    {
        // u32 lengths (large-payload events) beyond int range must not turn into negative offsets.
        RawEvent ev = TestEvents.Build(EventIds.ContainerJson2E, TestEvents.Str("{\"container\":{}}"));
        BinaryPrimitives.WriteUInt32LittleEndian(ev.Buffer.AsSpan(ev.Offset + RawEvent.V2HeaderSize), 0xFFFFFFF0);
        EventInfo info = EventTable.Get(EventIds.ContainerJson2E);
        Assert.Equal("json={\"container\":{}} ", EventFormatter.FormatInfo(ev, info, null));
        Assert.Equal("{\"container\":{}}", EventArguments.Decode(ev, info, null)[0].Value);
    }
}
