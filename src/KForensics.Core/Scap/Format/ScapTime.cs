namespace KForensics.Core.Scap.Format;

/// <summary>Capture timestamps (nanoseconds since the Unix epoch) as DateTime.</summary>
internal static class ScapTime
{
    /// <summary>The UTC time of <paramref name="nanoseconds"/>, to the 100 ns a DateTime holds.</summary>
    public static DateTime ToDateTime(ulong nanoseconds) => DateTime.UnixEpoch.AddTicks((long)(nanoseconds / 100));
}
