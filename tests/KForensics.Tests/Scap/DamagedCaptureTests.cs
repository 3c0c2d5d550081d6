using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;
using KForensics.TestCaptures;
using KForensics.Tests.Scap.Writer;
using Xunit;

namespace KForensics.Tests.Scap;

/// <summary>
/// Damaged captures: every kind of damage gives one <see cref="ScapFormatException"/> with a stable
/// kind, the file, the offset and the block type; every event before the damage is still delivered;
/// nothing hangs. The captures are written with <see cref="ScapWriter"/> and then damaged.
/// </summary>
public sealed class DamagedCaptureTests
{
    private const string Name = "damaged.scap";
    private static readonly Lazy<byte[]> Capture = new(BuildCapture);
    private static readonly Lazy<DamageHarness.Result> Intact = new(() => DamageHarness.Read(Capture.Value, Name));

    private static byte[] Data => Capture.Value;

    private static List<DamageHarness.Block> Blocks => DamageHarness.Blocks(Data);

    [Fact]
    public void TheIntactCaptureReadsWithoutErrors()
    {
        DamageHarness.Result intact = Intact.Value;
        Assert.Empty(intact.Errors);
        int eventBlocks = Blocks.Count(b => b.Type is BlockTypes.EvV2 or BlockTypes.EvV2Large);
        Assert.Equal(eventBlocks, intact.Events.Count);
        Assert.Contains(Blocks, b => b.Type == BlockTypes.EvV2Large);
    }

    [Fact]
    public void TruncationAtEveryBlockBoundaryKeepsEveryEarlierEvent()
    {
        // A cut exactly between blocks leaves a shorter capture that is valid (libscap reads it too).
        foreach (DamageHarness.Block block in Blocks)
        {
            long end = block.Offset + block.Length;
            DamageHarness.Result cut = DamageHarness.Read(Data[..(int)end], Name);
            Assert.True(cut.Errors.Count == 0, $"cut at {end}: {string.Join("; ", cut.Errors.Select(e => e.Message))}");
            AssertEventsBefore(cut, end, $"cut at {end}");
        }
    }

    [Fact]
    public void TruncationInsideEveryBlockGivesOneTruncatedError()
    {
        foreach (DamageHarness.Block block in Blocks)
        {
            foreach (int into in new[] { 0, 4, 8, 10, block.Length / 2, block.Length - 4, block.Length - 1 }.Where(i => i < block.Length).Distinct())
            {
                if (into == 0 && block.Offset != 0)
                {
                    continue; // that is the previous block's boundary
                }

                long cutAt = block.Offset + into;
                string what = $"cut {into} bytes into the block at {block.Offset} (type 0x{block.Type:X})";
                DamageHarness.Result cut = DamageHarness.Read(Data[..(int)cutAt], Name);
                ScapFormatException error = cut.SingleError;
                Assert.True(error.Kind == ScapErrorKind.Truncated, $"{what}: {error.Message}");
                Assert.Equal(Name, error.File);
                Assert.Equal(block.Offset, error.Offset);
                bool headerRead = into >= 8 || block.Type == BlockTypes.Shb;
                Assert.True(error.BlockType == (headerRead ? block.Type : 0), $"{what}: block type 0x{error.BlockType:X}");
                AssertEventsBefore(cut, block.Offset, what);
            }
        }
    }

    [Fact]
    public void WrongMagicIsRefusedAtTheStart()
    {
        foreach (byte[] damaged in new[] { DamageHarness.WithU32(Data, 8, 0x4D3C2B1A), DamageHarness.WithU32(Data, 0, 0x0A0D0D0B) })
        {
            ScapFormatException error = DamageHarness.Read(damaged, Name).SingleError;
            Assert.Equal(ScapErrorKind.BadMagic, error.Kind);
            Assert.Equal(0, error.Offset);
        }

        ScapFormatException notScap = DamageHarness.Read("{\"not\": \"a capture\"}\n"u8.ToArray(), Name).SingleError;
        Assert.Equal(ScapErrorKind.BadMagic, notScap.Kind);
    }

    [Fact]
    public void MajorVersionTwoIsRefused()
    {
        DamageHarness.Result result = DamageHarness.Read(DamageHarness.WithU16(Data, 12, 2), Name);
        ScapFormatException error = result.SingleError;
        Assert.Equal(ScapErrorKind.UnsupportedVersion, error.Kind);
        Assert.Equal(0, error.Offset);
        Assert.Equal(BlockTypes.Shb, error.BlockType);
        Assert.Empty(result.Events);
    }

    [Fact]
    public void ZeroAndOversizedBlockLengthsStopAtThatBlock()
    {
        foreach (DamageHarness.Block block in Blocks.Skip(1))
        {
            long rest = Data.Length - block.Offset;
            var lengths = new (uint Value, ScapErrorKind[] Kinds)[]
            {
                (0, new[] { ScapErrorKind.BadBlockLength }),
                (0xFFFFFFF0, new[] { ScapErrorKind.BadBlockLength }),
                ((uint)block.Length + 6, new[] { ScapErrorKind.BadBlockLength }),
                // 4 bytes longer: the trailer is read from the next block, or past the end for the last one.
                ((uint)block.Length + 4, rest > block.Length
                    ? new[] { ScapErrorKind.BadBlockLength, ScapErrorKind.CorruptBlock }
                    : new[] { ScapErrorKind.Truncated }),
                ((uint)(rest + 64), new[] { ScapErrorKind.BadBlockLength, ScapErrorKind.Truncated }),
            };
            foreach ((uint value, ScapErrorKind[] kinds) in lengths)
            {
                string what = $"length {value} for the block at {block.Offset} (type 0x{block.Type:X})";
                DamageHarness.Result result = DamageHarness.Read(DamageHarness.WithU32(Data, block.Offset + 4, value), Name);
                ScapFormatException error = result.SingleError;
                Assert.True(kinds.Contains(error.Kind), $"{what}: {error.Message}");
                Assert.Equal(block.Offset, error.Offset);
                Assert.Equal(block.Type, error.BlockType);
                AssertEventsBefore(result, block.Offset, what);
            }
        }
    }

    [Fact]
    public void FlippedBytesInLengthsAndTrailersStopAtThatBlock()
    {
        foreach (DamageHarness.Block block in Blocks.Where(b => b.Type is BlockTypes.EvV2 or BlockTypes.EvV2Large))
        {
            // The high bytes of the event length (after the 8-byte block header, the cpu and ts/tid) and the trailer.
            long eventLength = block.Offset + 10 + 16;
            long trailer = block.Offset + block.Length - 4;
            foreach (long at in new[] { eventLength + 2, eventLength + 3, trailer })
            {
                byte[] damaged = (byte[])Data.Clone();
                damaged[at] ^= 0xFF;
                string what = $"byte {at} flipped in the block at {block.Offset}";
                DamageHarness.Result result = DamageHarness.Read(damaged, Name);
                ScapFormatException error = result.SingleError;
                Assert.True(error.Kind is ScapErrorKind.CorruptBlock or ScapErrorKind.BadBlockLength, $"{what}: {error.Message}");
                Assert.Equal(block.Offset, error.Offset);
                Assert.Equal(block.Type, error.BlockType);
                AssertEventsBefore(result, block.Offset, what);
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedGzipGivesOneErrorAfterAPrefixOfTheEvents(bool inflateAhead)
    {
        byte[] gzip = DamageHarness.Gzip(Data);
        Assert.Empty(DamageHarness.Read(gzip, Name, inflateAhead).Errors);
        int previous = -1;
        foreach (int cutAt in new[] { 3, 10, gzip.Length / 4, gzip.Length / 2, gzip.Length * 3 / 4, gzip.Length - 8, gzip.Length - 4, gzip.Length - 1 })
        {
            DamageHarness.Result result = DamageHarness.Read(gzip[..cutAt], Name, inflateAhead);
            ScapFormatException error = result.SingleError;
            Assert.True(error.Kind is ScapErrorKind.Truncated or ScapErrorKind.CorruptCompression, $"gzip cut at {cutAt}: {error.Message}");
            Assert.Equal(Name, error.File);
            Assert.Equal(Intact.Value.Events.Take(result.Events.Count), result.Events);
            Assert.True(result.Events.Count >= previous, $"gzip cut at {cutAt} gave fewer events than an earlier cut");
            previous = result.Events.Count;
        }

        // Only the gzip trailer is missing: every event is there, and the damage is still reported.
        Assert.Equal(Intact.Value.Events.Count, previous);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CorruptGzipDataIsOneCompressionError(bool inflateAhead)
    {
        byte[] gzip = DamageHarness.Gzip(Data);
        foreach (int at in new[] { gzip.Length / 3, gzip.Length / 2, gzip.Length * 2 / 3 })
        {
            // Garbage in the middle of the deflate stream: the inflater fails there, on either thread,
            // and a second read neither throws again nor resumes.
            byte[] damaged = (byte[])gzip.Clone();
            damaged.AsSpan(at, 16).Fill(0xFF);
            DamageHarness.Result result = DamageHarness.Read(damaged, Name, inflateAhead);
            ScapFormatException error = result.SingleError;
            Assert.True(error.Kind == ScapErrorKind.CorruptCompression, $"gzip damaged at {at}: {error.Kind} {error.Message}");
            Assert.Equal(Name, error.File);
            Assert.Equal(Intact.Value.Events.Take(result.Events.Count), result.Events);
        }
    }

    // Every event type in the capture is known, so the n-th event is the n-th event block.
    private static void AssertEventsBefore(DamageHarness.Result result, long offset, string what)
    {
        int before = Blocks.Count(b => b.Offset < offset && b.Type is BlockTypes.EvV2 or BlockTypes.EvV2Large);
        List<DamageHarness.Event> expected = Intact.Value.Events.Take(before).ToList();
        Assert.True(expected.SequenceEqual(result.Events), $"{what}: {result.Events.Count} events delivered, {expected.Count} precede the damage");
    }

    private static byte[] BuildCapture()
    {
        using var stream = new MemoryStream();
        using (var writer = new ScapWriter(stream, leaveOpen: true))
        {
            var scenario = new PathTraversalScenario();
            scenario.Write(writer);
            writer.AlwaysLargeBlocks = true;
            ulong ts = (ulong)(scenario.Start - DateTime.UnixEpoch).Ticks * 100 + 1_000_000_000;
            writer.WriteEvent(ts, scenario.NginxWorkerPid, 1, EventIds.SyscallCloseE, 4L);
            writer.WriteEvent(ts + 1000, scenario.NginxWorkerPid, 1, EventIds.SyscallCloseX, 0L);
        }

        return stream.ToArray();
    }
}
