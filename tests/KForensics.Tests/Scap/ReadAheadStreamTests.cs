using System.IO.Compression;
using KForensics.Core.Scap;
using KForensics.Core.Scap.Reading;
using KForensics.Tests.Scap.Writer;
using Xunit;

namespace KForensics.Tests.Scap;

/// <summary>
/// Decompressing on a second thread: <see cref="ReadAheadStream"/> hands on every byte in order, the
/// inner stream's failure after the bytes before it, and stops its thread when disposed; a gzip
/// capture read that way gives the same events and errors as one read on a single thread.
/// </summary>
public sealed class ReadAheadStreamTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData((1 << 20) - 1)]
    [InlineData(1 << 20)]
    [InlineData((7 << 19) + 12345)]
    public void EveryByteArrivesInOrder(int length)
    {
        byte[] data = Bytes(length, seed: length);
        using var ahead = new ReadAheadStream(new ChoppyStream(data, failAt: -1));
        byte[] read = ReadAll(ahead, seed: length);
        Assert.Equal(data.Length, read.Length);
        Assert.True(data.AsSpan().SequenceEqual(read), "the bytes differ");
        Assert.Equal(0, ahead.Read(new byte[16]));
    }

    [Fact]
    public void TheInnerFailureComesAfterTheBytesBeforeIt()
    {
        int failAt = (3 << 19) + 777;
        byte[] data = Bytes(failAt + 4096, seed: 3);
        using var ahead = new ReadAheadStream(new ChoppyStream(data, failAt));
        var received = new MemoryStream();
        byte[] buffer = new byte[10_000];
        var error = Assert.Throws<InvalidDataException>(() =>
        {
            int n;
            while ((n = ahead.Read(buffer)) > 0)
            {
                received.Write(buffer, 0, n);
            }
        });
        Assert.Equal("damaged at " + failAt, error.Message);
        Assert.Equal(failAt, received.Length);
        Assert.True(data.AsSpan(0, failAt).SequenceEqual(received.ToArray()), "the bytes before the failure differ");
        Assert.Equal(0, ahead.Read(buffer));
    }

    [Fact]
    public async Task DisposeStopsTheReadingThreadAndTheInnerStream()
    {
        var endless = new EndlessStream();
        var ahead = new ReadAheadStream(endless);
        Assert.True(ahead.Read(new byte[100]) > 0);

        // The reading thread is now blocked on a full queue; disposing must still return.
        await Task.Run(ahead.Dispose).WaitAsync(Limit);
        Assert.True(endless.Disposed);
        Assert.Throws<ObjectDisposedException>(() => ahead.Read(new byte[1]));
    }

    [SkippableTheory]
    [MemberData(nameof(SharedCaptures.Rows), MemberType = typeof(SharedCaptures))]
    public void AGzipCaptureReadsTheSameOnOneThreadOrTwo(string? file)
    {
        Skip.If(file is null, "../shared/captures is absent");
        // Some of the captures are gzip files already.
        byte[] gzip = DamageHarness.Gzip(DamageHarness.Gunzip(File.ReadAllBytes(Path.Combine(SharedCaptures.Directory!, file))));

        DamageHarness.Result single = DamageHarness.Read(gzip, file, inflateAhead: false);
        DamageHarness.Result two = DamageHarness.Read(gzip, file, inflateAhead: true);
        Assert.Empty(single.Errors);
        Assert.Empty(two.Errors);
        Assert.NotEmpty(single.Events);
        Assert.Equal(single.Events, two.Events);

        // Cut in the middle: the same events, then the same error.
        byte[] cut = gzip[..(gzip.Length / 2)];
        DamageHarness.Result singleCut = DamageHarness.Read(cut, file, inflateAhead: false);
        DamageHarness.Result twoCut = DamageHarness.Read(cut, file, inflateAhead: true);
        Assert.Equal(singleCut.Events, twoCut.Events);
        Assert.Equal(singleCut.SingleError.Kind, twoCut.SingleError.Kind);
        Assert.Equal(singleCut.SingleError.Offset, twoCut.SingleError.Offset);
        Assert.True(twoCut.Events.Count < two.Events.Count, "a capture cut in half kept every event");
    }

    [SkippableFact]
    public void OpenDecompressesALargeGzipCaptureAheadAndASmallOneInline()
    {
        Skip.If(SharedCaptures.Directory is null, "../shared/captures is absent");
        string large = Path.Combine(Path.GetTempPath(), $"kf-ahead-{Guid.NewGuid():n}.scap.gz");
        string small = Path.Combine(Path.GetTempPath(), $"kf-inline-{Guid.NewGuid():n}.scap.gz");
        try
        {
            // Stored, not compressed, so the file is above the threshold.
            File.WriteAllBytes(large, Gzip(DamageHarness.Gunzip(File.ReadAllBytes(Path.Combine(SharedCaptures.Directory, "bencer_capture.scap"))), CompressionLevel.NoCompression));
            File.WriteAllBytes(small, Gzip(DamageHarness.Gunzip(File.ReadAllBytes(Path.Combine(SharedCaptures.Directory, "libs_sample.scap"))), CompressionLevel.Optimal));
            Assert.True(new FileInfo(large).Length >= ScapEventReader.InflateAheadThreshold);
            Assert.True(new FileInfo(small).Length < ScapEventReader.InflateAheadThreshold);

            using (ScapEventReader inline = ScapEventReader.Open(small))
            {
                Assert.True(inline.IsGzip);
                Assert.False(inline.InflatesAhead);
            }

            using ScapEventReader ahead = ScapEventReader.Open(large);
            using var single = new ScapEventReader(File.OpenRead(large), large, inflateAhead: false);
            Assert.True(ahead.InflatesAhead);
            Assert.False(single.InflatesAhead);
            long count = 0;
            while (ahead.TryRead(out ScapEvent? a))
            {
                Assert.True(single.TryRead(out ScapEvent? b), $"event {a.Number} is missing from the single-thread read");
                Assert.Equal((b.Number, b.RawTime, b.ThreadId, b.Type, b.Info), (a.Number, a.RawTime, a.ThreadId, a.Type, a.Info));
                count++;
            }

            Assert.False(single.TryRead(out _), "the single-thread read has more events");
            Assert.True(count > 1000, $"only {count} events");
        }
        finally
        {
            File.Delete(large);
            File.Delete(small);
        }
    }

    private static byte[] Gzip(byte[] data, CompressionLevel level)
    {
        using var target = new MemoryStream();
        using (var z = new GZipStream(target, level, leaveOpen: true))
        {
            z.Write(data);
        }

        return target.ToArray();
    }

    private static byte[] Bytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static byte[] ReadAll(Stream stream, int seed)
    {
        var random = new Random(seed + 1);
        var target = new MemoryStream();
        byte[] buffer = new byte[300_000];
        while (true)
        {
            int n = stream.Read(buffer, 0, random.Next(1, buffer.Length));
            if (n == 0)
            {
                return target.ToArray();
            }

            target.Write(buffer, 0, n);
        }
    }

    /// <summary>Returns its bytes in short reads of varying size, and optionally fails at one offset.</summary>
    private sealed class ChoppyStream(byte[] data, int failAt) : ForwardReadStream
    {
        private readonly Random _random = new(data.Length);
        private int _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (failAt >= 0 && _position == failAt)
            {
                throw new InvalidDataException("damaged at " + failAt);
            }

            int end = failAt >= 0 ? failAt : data.Length;
            int n = Math.Min(Math.Min(count, _random.Next(1, 70_000)), end - _position);
            data.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }
    }

    private sealed class EndlessStream : ForwardReadStream
    {
        public bool Disposed { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill(0x5A);
            return count;
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
