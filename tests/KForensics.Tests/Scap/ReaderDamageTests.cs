using KForensics.Core.Scap;
using KForensics.Core.Scap.Format;
using Xunit;
using static KForensics.Tests.Scap.CaptureBytes;

namespace KForensics.Tests.Scap;

public sealed class ReaderDamageTests
{
    private static CaptureBytes ThreeReads()
    {
        var c = new CaptureBytes().Shb().Block(BlockTypes.PlV9, BlockReaderTests.ProcessEntry(9, 100, "a", "/"));
        for (ulong i = 1; i <= 3; i++)
        {
            c.Event(BlockTypes.EvV2, EventIds.SyscallReadE, i, 100, 0, 0, null, I64(1), U32(8));
        }

        return c;
    }

    /// <summary>Reads until the reader stops; returns the events and the single error, if any.</summary>
    private static (List<ScapEvent> Events, ScapFormatException? Error) Read(byte[] data)
    {
        var events = new List<ScapEvent>();
        try
        {
            using var reader = new ScapEventReader(new MemoryStream(data), "damaged.scap");
            while (reader.TryRead(out ScapEvent? ev))
            {
                events.Add(ev);
            }

            // After an error or the end, the reader stays ended.
            Assert.False(reader.TryRead(out _));
            return (events, null);
        }
        catch (ScapFormatException ex)
        {
            return (events, ex);
        }
    }

    [Fact]
    public void A_block_cut_short_is_one_truncation_error_after_the_events_before_it()
    {
        CaptureBytes c = ThreeReads();
        byte[] data = c.ToArray();
        long third = c.BlockOffsets[^1];
        (List<ScapEvent> events, ScapFormatException? error) = Read(data[..(int)(third + 20)]);

        Assert.Equal(2, events.Count);
        Assert.NotNull(error);
        Assert.Equal(ScapErrorKind.Truncated, error.Kind);
        Assert.Equal(third, error.Offset);
        Assert.Equal(BlockTypes.EvV2, error.BlockType);
        Assert.Equal("damaged.scap", error.File);
        Assert.Contains("EV_V2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_cut_inside_the_file_ends_cleanly_or_with_one_error()
    {
        CaptureBytes c = ThreeReads();
        byte[] data = c.ToArray();
        var boundaries = c.BlockOffsets.Skip(1).ToHashSet();
        for (int cut = 0; cut < data.Length; cut++)
        {
            (List<ScapEvent> events, ScapFormatException? error) = Read(data[..cut]);

            // A plain capture has no end marker: a cut between blocks is a shorter valid file.
            Assert.Equal(!boundaries.Contains(cut), error is not null);
            Assert.Equal(c.BlockOffsets.Skip(2).Count(o => o < cut && (error is null || o < error.Offset)), events.Count);
        }
    }

    [Fact]
    public void Reading_ahead_delivers_every_event_before_the_damage_then_the_error()
    {
        var c = new CaptureBytes().Shb().Block(BlockTypes.PlV9, BlockReaderTests.ProcessEntry(9, 100, "a", "/"));
        for (ulong i = 1; i <= 2500; i++)
        {
            c.Event(BlockTypes.EvV2, EventIds.SyscallReadE, i, 100, 0, 0, null, I64(1), U32(8));
        }

        byte[] data = c.ToArray();
        using var reader = new ScapEventReader(new MemoryStream(data[..^10]), "cut.scap");
        var seen = new List<ulong>();
        var error = Assert.Throws<ScapFormatException>(() =>
        {
            foreach (ScapEvent ev in ScapReadAhead.Read(reader, CancellationToken.None))
            {
                seen.Add(ev.Number);
            }
        });
        Assert.Equal(ScapErrorKind.Truncated, error.Kind);
        Assert.Equal(Enumerable.Range(1, 2499).Select(n => (ulong)n), seen);
    }

    [Fact]
    public void Reading_ahead_stops_when_the_consumer_stops()
    {
        var c = new CaptureBytes().Shb().Block(BlockTypes.PlV9, BlockReaderTests.ProcessEntry(9, 100, "a", "/"));
        for (ulong i = 1; i <= 20000; i++)
        {
            c.Event(BlockTypes.EvV2, EventIds.SyscallReadE, i, 100, 0, 0, null, I64(1), U32(8));
        }

        using var reader = new ScapEventReader(new MemoryStream(c.ToArray()), "many.scap");
        Assert.Equal(10, ScapReadAhead.Read(reader, CancellationToken.None).Take(10).Count());
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        using var again = new ScapEventReader(new MemoryStream(c.ToArray()), "many.scap");
        Assert.ThrowsAny<OperationCanceledException>(() => ScapReadAhead.Read(again, cancelled.Token).Count());
    }

    [Fact]
    public void Wrong_magic_is_reported_at_offset_zero()
    {
        byte[] data = ThreeReads().ToArray();
        data[8] ^= 0xFF;
        (List<ScapEvent> events, ScapFormatException? error) = Read(data);
        Assert.Empty(events);
        Assert.Equal(ScapErrorKind.BadMagic, error?.Kind);
        Assert.Equal(0, error?.Offset);
    }

    [Fact]
    public void Major_version_2_is_refused()
    {
        byte[] data = new CaptureBytes().Shb(major: 2).ToArray();
        Assert.Equal(ScapErrorKind.UnsupportedVersion, Read(data).Error?.Kind);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(6u)]
    [InlineData(0x7FFFFFF0u)]
    public void Impossible_block_lengths_are_one_error(uint length)
    {
        CaptureBytes c = ThreeReads();
        byte[] data = c.ToArray();
        long second = c.BlockOffsets[^2];
        BitConverter.GetBytes(length).CopyTo(data, second + 4);
        (List<ScapEvent> events, ScapFormatException? error) = Read(data);
        Assert.Single(events);
        Assert.Equal(ScapErrorKind.BadBlockLength, error?.Kind);
        Assert.Equal(second, error?.Offset);
    }

    [Fact]
    public void A_flipped_trailer_is_a_block_length_error()
    {
        byte[] data = ThreeReads().ToArray();
        data[^1] ^= 0x40;
        (List<ScapEvent> events, ScapFormatException? error) = Read(data);
        Assert.Equal(2, events.Count);
        Assert.Equal(ScapErrorKind.BadBlockLength, error?.Kind);
    }

    [Fact]
    public void A_gzip_file_cut_at_a_block_boundary_is_still_reported()
    {
        byte[] plain = ThreeReads().ToArray();
        byte[] gz;
        using (var output = new MemoryStream())
        {
            using (var z = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            {
                z.Write(plain);
            }

            gz = output.ToArray();
        }

        // Drop the 8-byte gzip trailer: the data is all there, the stream is not complete.
        (List<ScapEvent> events, ScapFormatException? error) = Read(gz[..^8]);
        Assert.Equal(3, events.Count);
        Assert.NotNull(error);
        Assert.True(error.Kind is ScapErrorKind.CorruptCompression or ScapErrorKind.Truncated, error.Message);
    }
}
