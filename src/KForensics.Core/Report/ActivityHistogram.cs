namespace KForensics.Core.Report;

/// <summary>
/// Counts per time bucket for any number of series (one per lane and kind of activity) that share one
/// time axis. The span of a capture is unknown until its last event, so buckets start 1 ns wide and
/// double (merging neighbours) whenever an event falls beyond the last one; memory stays
/// <see cref="Capacity"/> counters per series whatever the capture's length.
/// </summary>
internal sealed class ActivityHistogram
{
    /// <summary>Fine buckets per series; the timeline groups them into at most a few hundred.</summary>
    public const int Capacity = 1024;

    private readonly List<long[]> _series = [];
    private bool _empty = true;

    /// <summary>Timestamp (ns since the epoch) where bucket 0 starts.</summary>
    public ulong Origin { get; private set; }

    /// <summary>Width of a fine bucket in ns: a power of two.</summary>
    public ulong Width { get; private set; } = 1;

    /// <summary>Fine buckets in use: the last event falls in bucket Used - 1.</summary>
    public int Used { get; private set; }

    /// <summary>Adds a series; its counters follow every change of origin and width.</summary>
    public long[] NewSeries()
    {
        long[] series = new long[Capacity];
        _series.Add(series);
        return series;
    }

    /// <summary>The fine bucket of <paramref name="timestamp"/>, moving the origin or widening the buckets first when needed.</summary>
    public int Bucket(ulong timestamp)
    {
        if (_empty)
        {
            _empty = false;
            Origin = timestamp;
            Used = 1;
            return 0;
        }

        // Events of different CPUs can arrive slightly out of order: shift the counters right.
        while (timestamp < Origin)
        {
            ulong needed = (Origin - timestamp + Width - 1) / Width;
            if (needed + (ulong)Used <= Capacity)
            {
                Shift((int)needed);
            }
            else
            {
                Coarsen();
            }
        }

        ulong index = (timestamp - Origin) / Width;
        while (index >= Capacity)
        {
            Coarsen();
            index = (timestamp - Origin) / Width;
        }

        Used = Math.Max(Used, (int)index + 1);
        return (int)index;
    }

    /// <summary>
    /// Groups the fine buckets into at most <paramref name="maxBuckets"/> of equal width.
    /// </summary>
    /// <returns>The width of a grouped bucket in ns and the number of buckets.</returns>
    public (ulong Width, int Count) Group(int maxBuckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBuckets, 1);
        int per = Math.Max(1, (Used + maxBuckets - 1) / maxBuckets);
        return (Width * (ulong)per, (Used + per - 1) / per);
    }

    /// <summary>The counts of <paramref name="series"/> summed into the buckets <see cref="Group"/> describes.</summary>
    public long[] Grouped(long[] series, int maxBuckets)
    {
        (ulong width, int count) = Group(maxBuckets);
        int per = (int)(width / Width);
        long[] result = new long[count];
        for (int i = 0; i < Used; i++)
        {
            result[i / per] += series[i];
        }

        return result;
    }

    private void Coarsen()
    {
        foreach (long[] s in _series)
        {
            for (int i = 0; i < Capacity / 2; i++)
            {
                s[i] = s[2 * i] + s[(2 * i) + 1];
            }

            Array.Clear(s, Capacity / 2, Capacity / 2);
        }

        Width *= 2;
        Used = (Used + 1) / 2;
    }

    private void Shift(int buckets)
    {
        foreach (long[] s in _series)
        {
            Array.Copy(s, 0, s, buckets, Used);
            Array.Clear(s, 0, buckets);
        }

        Origin -= (ulong)buckets * Width;
        Used += buckets;
    }
}
