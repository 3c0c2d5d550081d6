using System.Globalization;
using KForensics.Core.Scap.Fields;
using KForensics.Tests.Filtering;
using KForensics.Tests.Scap;
using Xunit;

namespace KForensics.Tests.Analysis;

/// <summary>What the differential tests of the views share: their preamble, filters, conversions and the sum check.</summary>
internal static class Differential
{
    /// <summary>The filtered case of most views: leaves out the session's own ssh traffic and one syscall.</summary>
    public const string NoSshdNoSendto = "proc.name!=sshd and evt.type!=sendto";

    /// <summary>The separator of table_generator's joined keys.</summary>
    private const string KeySeparator = "\u0001\u0001";

    /// <summary>
    /// Skips the test unless both ../shared/captures and sysdig are present; otherwise the capture's path
    /// and the file sysdig reads for it (see <see cref="Captures.OracleFileFor"/>).
    /// </summary>
    public static (string Capture, string Oracle) Files(string name)
    {
        Skip.If(Captures.Directory is null, "../shared/captures is absent");
        Skip.If(SysdigOracle.Executable is null, "sysdig is not installed");
        string capture = Path.Combine(Captures.Directory!, name);
        return (capture, Captures.OracleFileFor(capture));
    }

    /// <summary>The user filter as the cmdlets compile it; null for none.</summary>
    public static Func<ScapFilterContext, bool>? Compile(string? filter) => filter is null ? null : ScapFieldBinder.Compile(filter);

    /// <summary>The user filter (if any) and another, as one sysdig filter.</summary>
    public static string And(string? filter, string extra) => filter is null ? extra : $"({filter}) and ({extra})";

    /// <summary>A sysdig raw time (ns since the epoch) as the rows carry it, in UTC to the 100 ns tick.</summary>
    public static DateTime ToTime(ulong ns) => DateTime.UnixEpoch.AddTicks((long)(ns / 100));

    /// <summary>A value as sysdig -p prints it: &lt;NA&gt; for none.</summary>
    public static string Printed(object? value) => value is null ? "<NA>" : Convert.ToString(value, CultureInfo.InvariantCulture)!;

    /// <summary>
    /// Our rows summed by the oracle's keys (several rows may share a key) equal the oracle's table; keys
    /// whose sum is 0 are absent there, so a key of ours that sums to anything else must be in it.
    /// </summary>
    public static void AssertSums<TKey, TRow>(IReadOnlyDictionary<TKey, long> expected, IEnumerable<TRow> rows, Func<TRow, TKey> key, Func<TRow, long> value, string what)
        where TKey : notnull
    {
        Dictionary<TKey, long> actual = rows.GroupBy(key).Select(g => (g.Key, Sum: g.Sum(value))).Where(x => x.Sum != 0).ToDictionary(x => x.Key, x => x.Sum);
        static string Show(TKey k) => Convert.ToString(k, CultureInfo.InvariantCulture)!.Replace(KeySeparator, " | ", StringComparison.Ordinal);
        string[] missing = expected.Where(p => !actual.TryGetValue(p.Key, out long v) || v != p.Value)
            .Select(p => $"{Show(p.Key)}: sysdig {p.Value}, ours {actual.GetValueOrDefault(p.Key)}").ToArray();
        string[] extra = actual.Where(p => !expected.ContainsKey(p.Key)).Select(p => $"{Show(p.Key)}: ours {p.Value}, absent in sysdig").ToArray();
        Assert.True(missing.Length == 0 && extra.Length == 0, $"{what} differ:\n" + string.Join("\n", missing.Concat(extra).Take(20)));
    }
}
