using System.Globalization;

namespace KForensics.Core.Report;

/// <summary>Times and durations in nanoseconds, as the timeline labels them (always UTC).</summary>
internal static class TimeText
{
    private const ulong NsPerSecond = 1_000_000_000;

    /// <summary>ISO 8601 UTC with all nine digits of the capture's nanoseconds.</summary>
    public static string Iso(ulong ns) => Date(ns).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + Fraction(ns, 9) + "Z";

    /// <summary>The time of day with as many fraction digits as <paramref name="stepNs"/> needs to tell ticks apart.</summary>
    public static string Tick(ulong ns, ulong stepNs)
    {
        DateTime date = Date(ns);
        if (stepNs >= 86_400 * NsPerSecond)
        {
            return date.ToString("MM-dd", CultureInfo.InvariantCulture);
        }

        if (stepNs >= 60 * NsPerSecond)
        {
            return date.ToString("HH:mm", CultureInfo.InvariantCulture);
        }

        string seconds = date.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        return stepNs >= NsPerSecond ? seconds : seconds + Fraction(ns, 9 - (int)Math.Floor(Math.Log10(stepNs)));
    }

    /// <summary>A duration in the largest unit that keeps it above one: "4.1 µs", "12 ms", "2.5 s", "3 min".</summary>
    public static string Duration(double ns)
    {
        (double value, string unit) = ns switch
        {
            < 1_000 => (ns, "ns"),
            < 1_000_000 => (ns / 1_000, "µs"),
            < 1_000_000_000 => (ns / 1_000_000, "ms"),
            < 120e9 => (ns / 1e9, "s"),
            < 7200e9 => (ns / 60e9, "min"),
            < 172_800e9 => (ns / 3600e9, "h"),
            _ => (ns / 86_400e9, "d"),
        };
        return value.ToString(value < 10 ? "0.##" : "#,0.#", CultureInfo.InvariantCulture) + " " + unit;
    }

    /// <summary>Steps for the axis: 1-2-5 below a second, clock-friendly above.</summary>
    public static ulong NiceStep(double spanNs, int targetTicks)
    {
        double raw = spanNs / Math.Max(1, targetTicks);
        ulong[] clock = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
        if (raw >= NsPerSecond)
        {
            foreach (ulong s in clock)
            {
                if (s * NsPerSecond >= raw)
                {
                    return s * NsPerSecond;
                }
            }

            ulong days = (ulong)Math.Ceiling(raw / (86_400.0 * NsPerSecond));
            return days * 86_400 * NsPerSecond;
        }

        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(raw, 1))));
        foreach (double m in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            if (m * magnitude >= raw)
            {
                return Math.Max(1, (ulong)(m * magnitude));
            }
        }

        return NsPerSecond;
    }

    private static DateTime Date(ulong ns) => DateTime.UnixEpoch.AddSeconds(ns / NsPerSecond);

    private static string Fraction(ulong ns, int digits)
    {
        digits = Math.Clamp(digits, 1, 9);
        string nine = (ns % NsPerSecond).ToString("D9", CultureInfo.InvariantCulture);
        return "." + nine[..digits];
    }
}
