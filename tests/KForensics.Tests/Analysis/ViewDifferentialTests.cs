using KForensics.Core.Analysis;
using KForensics.Tests.Filtering;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Analysis;

/// <summary>
/// Get-ScapConnection and Get-ScapFileAccess against sysdig 0.29.3 on every capture in ../shared/captures.
/// The figures come from the chisels' own engine (table_generator with topconns' and topfiles_bytes'
/// keys, value and filter, see <see cref="ChiselOracle"/>) keyed by container.name as with -pc; the
/// per-direction figures run the same chisel with an added filter that selects one direction, and the
/// process names add proc.name to the keys. Times and event counts come from sysdig -p over the same events;
/// the opens of files (which topfiles_bytes does not count) from sysdig -p over the open exits.
/// </summary>
public class ViewDifferentialTests
{
    private const string Sep = "\u0001\u0001";
    private readonly ITestOutputHelper _output;

    public ViewDifferentialTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public static TheoryData<string, string?> Cases() => SharedCaptures.WithFilters(null, Differential.NoSshdNoSendto);

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void ConnectionsMatchTopconns(string name, string? filter)
    {
        (string capture, string oracle) = Differential.Files(name);
        var aggregator = new ConnectionAggregator(Differential.Compile(filter));
        aggregator.Read(capture, CancellationToken.None);
        IReadOnlyList<ScapConnection> rows = aggregator.Rows(capture);
        _output.WriteLine($"{name}: {rows.Count} connections");

        const string keys = "container.name,fd.l4proto,fd.name";
        string view = ConnectionAggregator.ViewFilter;
        string Key(ScapConnection r) => r.ContainerName + Sep + r.Protocol + Sep + r.Connection;

        Differential.AssertSums(ChiselOracle.Table(oracle, keys, view, filter), rows, Key, r => r.TotalBytes, "total bytes");
        Differential.AssertSums(ChiselOracle.Table(oracle, keys, view, Differential.And(filter, "evt.is_io_read=true")), rows, Key, r => r.BytesRead, "bytes read");
        Differential.AssertSums(ChiselOracle.Table(oracle, keys, view, Differential.And(filter, "(evt.is_io_read=true and fd.is_server=true) or (evt.is_io_write=true and not fd.is_server=true)")),
            rows, Key, r => r.BytesToServer, "bytes to server");
        AssertProcesses(ChiselOracle.Table(oracle, keys + ",proc.name", view, filter), rows, Key, r => r.ProcessNames);
        AssertTimes(oracle, "%container.name|~|%fd.l4proto|~|%fd.name", Differential.And(filter, $"({view}) and evt.rawarg.res>0"), rows, Key, r => (r.FirstTime, r.LastTime, r.Events));

        foreach (ScapConnection r in rows.Where(r => r.ClientAddress is not null && r.ClientPort is not null && r.ServerAddress is { } s && !s.Contains(':')))
        {
            // fd.name of a connected IPv4 socket spells the same tuple as fd.cip/cport/sip/sport.
            Assert.Equal($"{r.ClientAddress}:{r.ClientPort}->{r.ServerAddress}:{r.ServerPort}", r.Connection);
        }

        _output.WriteLine($"{rows.Sum(r => r.TotalBytes)} bytes, {rows.Count(r => r.ClientAddress is not null)} with a client address");
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void FilesMatchTopfilesBytes(string name, string? filter)
    {
        (string capture, string oracle) = Differential.Files(name);
        var aggregator = new FileAccessAggregator(Differential.Compile(filter));
        aggregator.Read(capture, CancellationToken.None);
        IReadOnlyList<ScapFileAccess> rows = aggregator.Rows(capture);
        _output.WriteLine($"{name}: {rows.Count} files, {rows.Sum(r => r.TotalBytes)} bytes, {rows.Sum(r => r.Opens)} opens");

        const string keys = "container.name,fd.name";
        string view = FileAccessAggregator.ViewFilter;
        string Key(ScapFileAccess r) => r.ContainerName + Sep + r.Name;

        Differential.AssertSums(ChiselOracle.Table(oracle, keys, view, filter), rows, Key, r => r.TotalBytes, "total bytes");
        Differential.AssertSums(ChiselOracle.Table(oracle, keys, view, Differential.And(filter, "evt.is_io_write=true")), rows, Key, r => r.BytesWritten, "bytes written");
        // Opens are not in the chisel: they come from sysdig -p over the open exits of files.
        string opens = Differential.And(filter, FileAccessAggregator.OpenFilter);
        string[][] openLines = SysdigRunner.Fields(oracle, "%container.name|~|%fd.name|~|%proc.name", opens).ToArray();
        var expectedOpens = openLines.GroupBy(f => f[0] + Sep + f[1], StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        Differential.AssertSums(expectedOpens, rows, Key, r => r.Opens, "opens");

        Dictionary<string, long> byProcess = ChiselOracle.Table(oracle, keys + ",proc.name", view, filter);
        foreach (string[] f in openLines)
        {
            byProcess.TryAdd(f[0] + Sep + f[1] + Sep + f[2], 0);
        }

        AssertProcesses(byProcess, rows, Key, r => r.ProcessNames);
        AssertTimes(oracle, "%container.name|~|%fd.name", $"({Differential.And(filter, $"({view}) and evt.rawarg.res>0")}) or ({opens})", rows, Key,
            r => (r.FirstTime, r.LastTime, r.Events + r.Opens));
    }

    private static void AssertProcesses<T>(Dictionary<string, long> byProcess, IReadOnlyList<T> rows, Func<T, string> key, Func<T, IReadOnlyList<string>> names)
    {
        Dictionary<string, string> expected = byProcess.Keys
            .Select(k => (Row: k[..k.LastIndexOf(Sep, StringComparison.Ordinal)], Proc: k[(k.LastIndexOf(Sep, StringComparison.Ordinal) + Sep.Length)..]))
            .GroupBy(x => x.Row, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => string.Join(",", g.Select(x => x.Proc).Distinct().Order(StringComparer.Ordinal)), StringComparer.Ordinal);
        Dictionary<string, string> actual = rows.GroupBy(key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => string.Join(",", g.SelectMany(names).Distinct().Order(StringComparer.Ordinal)), StringComparer.Ordinal);
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    private static void AssertTimes<T>(string oracle, string keyFields, string counted, IReadOnlyList<T> rows, Func<T, string> key,
        Func<T, (DateTime First, DateTime Last, long Events)> times)
    {
        // The events a row counts (for bytes, those table_generator counts: key fields present and a positive result).
        var expected = new Dictionary<string, (ulong First, ulong Last, long Events)>(StringComparer.Ordinal);
        foreach (string[] f in SysdigRunner.Fields(oracle, "%evt.rawtime|~|" + keyFields, counted))
        {
            string k = string.Join(Sep, f[1..]);
            ulong t = ulong.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture);
            expected[k] = expected.TryGetValue(k, out var e) ? (Math.Min(e.First, t), Math.Max(e.Last, t), e.Events + 1) : (t, t, 1);
        }

        var actual = rows.GroupBy(key, StringComparer.Ordinal).ToDictionary(g => g.Key,
            g => (First: g.Min(r => times(r).First), Last: g.Max(r => times(r).Last), Events: g.Sum(r => times(r).Events)), StringComparer.Ordinal);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach ((string k, (ulong first, ulong last, long events)) in expected)
        {
            Assert.Equal((Differential.ToTime(first), Differential.ToTime(last), events), actual[k]);
        }
    }
}
