using KForensics.Core.Report;
using Xunit;

namespace KForensics.Tests.Report;

/// <summary>Timeline bucketing: every event lands in the bucket its time falls in, however long the capture.</summary>
public sealed class ActivityHistogramTests
{
    [Theory]
    [InlineData(1, 0UL, 1)]
    [InlineData(50, 7_313UL, 2)]
    [InlineData(5_000, 1_000_000UL, 3)]
    [InlineData(20_000, 3_000_000_000UL, 4)]
    [InlineData(3_000, 86_400_000_000_000UL, 5)]
    public void EveryEventIsCountedInTheBucketOfItsTime(int events, ulong spacingNs, int seed)
    {
        var random = new Random(seed);
        ulong start = 1_710_408_413_000_000_000UL;
        // Mostly increasing times with some jitter backwards, as events of several CPUs arrive.
        ulong[] times = Enumerable.Range(0, events)
            .Select(i => start + ((ulong)i * spacingNs) + (ulong)random.Next(0, 3 * (int)Math.Min(spacingNs + 1, 1_000_000)))
            .ToArray();
        var histogram = new ActivityHistogram();
        long[] series = histogram.NewSeries();
        foreach (ulong t in times)
        {
            series[histogram.Bucket(t)]++;
        }

        ulong min = times.Min(), max = times.Max();
        ulong width = histogram.Width;
        Assert.True(histogram.Origin <= min && min - histogram.Origin < width, "the origin is at most one bucket before the first event");
        Assert.True((max - histogram.Origin) / width < ActivityHistogram.Capacity, "the last event fits");
        Assert.Equal((int)((max - histogram.Origin) / width) + 1, histogram.Used);
        Assert.Equal(0UL, width & (width - 1));

        // Counted by hand from the times: fine buckets, then the grouped ones the timeline draws.
        for (int i = 0; i < histogram.Used; i++)
        {
            ulong from = histogram.Origin + ((ulong)i * width);
            Assert.Equal(times.LongCount(t => t >= from && t - from < width), series[i]);
        }

        (ulong groupWidth, int count) = histogram.Group(120);
        Assert.InRange(count, 1, 120);
        Assert.True(histogram.Origin + ((ulong)count * groupWidth) > max);
        long[] grouped = histogram.Grouped(series, 120);
        for (int j = 0; j < count; j++)
        {
            ulong from = histogram.Origin + ((ulong)j * groupWidth);
            Assert.Equal(times.LongCount(t => t >= from && t - from < groupWidth), grouped[j]);
        }
    }

    [Fact]
    public void BucketsStayAsFineAsTheSpanAllows()
    {
        var histogram = new ActivityHistogram();
        histogram.NewSeries();
        histogram.Bucket(1_000);
        histogram.Bucket(1_000 + 1_023);
        Assert.Equal(1UL, histogram.Width);
        histogram.Bucket(1_000 + 1_024);
        Assert.Equal(2UL, histogram.Width);
        histogram.Bucket(1_000 + 10_000);
        Assert.Equal(16UL, histogram.Width);
        Assert.Equal(1_000UL, histogram.Origin);
    }

    [Fact]
    public void AnEarlierEventMovesTheOriginBack()
    {
        var histogram = new ActivityHistogram();
        long[] series = histogram.NewSeries();
        series[histogram.Bucket(5_000)]++;
        series[histogram.Bucket(5_100)]++;
        series[histogram.Bucket(4_990)]++;
        Assert.Equal(4_990UL, histogram.Origin);
        Assert.Equal(1, series[0]);
        Assert.Equal(1, series[10]);
        Assert.Equal(1, series[110]);
        Assert.Equal(3, series.Sum());
    }
}
