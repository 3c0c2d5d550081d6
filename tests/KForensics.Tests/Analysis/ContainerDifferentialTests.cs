using System.Globalization;
using KForensics.Core.Analysis;
using KForensics.Tests.Filtering;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Analysis;

/// <summary>
/// Get-ScapContainer against sysdig 0.29.3 on every capture in ../shared/captures: the containers
/// lscontainers lists (at the capture's first event) and those sysdig -D names later, with their
/// metadata as sysdig's container.* and k8s.* fields print it; bytes as topcontainers_file and
/// topcontainers_net sum them (table_generator with their key, value and filter, the host included);
/// errors, events, processes, threads and times from sysdig -p over the same events.
/// </summary>
public class ContainerDifferentialTests
{
    private const string Meta = "%container.id|~|%container.name|~|%container.type|~|%container.image|~|%container.image.repository|~|%container.image.tag|~|%container.image.digest|~|%container.image.id|~|%k8s.pod.name|~|%k8s.ns.name";
    private readonly ITestOutputHelper _output;

    public ContainerDifferentialTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public static TheoryData<string, string?> Cases() => SharedCaptures.WithFilters(null, Differential.NoSshdNoSendto);

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void ContainersMatchLscontainersAndTopcontainers(string name, string? filter)
    {
        (string capture, string oracle) = Differential.Files(name);
        var aggregator = new ContainerAggregator(Differential.Compile(filter));
        aggregator.Read(capture, CancellationToken.None);
        IReadOnlyList<ScapContainer> rows = aggregator.Rows(capture);
        string[] duplicates = rows.GroupBy(r => r.Id, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        Assert.True(duplicates.Length == 0, $"more than one row for container {string.Join(", ", duplicates)}");
        Dictionary<string, ScapContainer> byId = rows.ToDictionary(r => r.Id, StringComparer.Ordinal);
        foreach (ScapContainer r in rows)
        {
            _output.WriteLine($"{r.Id} {r.Name} {r.Type} {r.Image} pod={r.PodName}/{r.Namespace} ip={r.IpAddress} procs={r.Processes} threads={r.Threads} events={r.Events} file={r.FileBytes} net={r.NetBytes} errors={r.Errors}");
        }

        // Metadata: lscontainers at the first event, and every container sysdig -D shows an event of.
        var lscontainers = SummaryOracle.Containers(oracle);
        var printed = SysdigRunner.Fields(oracle, "*" + Meta, filter, debug: filter is null)
            .Where(f => f[0] != "<NA>").GroupBy(f => f[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        if (filter is null)
        {
            Assert.Contains("host", byId.Keys);
            foreach (Dictionary<string, string> c in lscontainers)
            {
                Assert.True(byId.TryGetValue(c["id"], out ScapContainer? row), $"lscontainers lists {c["id"]}, KForensics does not");
                Assert.Equal(c["name"], row!.Name);
                Assert.Equal(c["image"], row.Image ?? string.Empty);
                Assert.Equal(c["type"], row.Type);
            }

            string[] known = lscontainers.Select(c => c["id"]).Concat(printed.Keys).Append("host").Distinct().Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(known, byId.Keys.Order(StringComparer.Ordinal));
        }

        foreach ((string id, string[] f) in printed)
        {
            Assert.True(byId.TryGetValue(id, out ScapContainer? row), $"sysdig prints events of {id}, KForensics has no row");
            string?[] expected = f.Select(v => v == "<NA>" ? null : v).ToArray();
            string?[] actual = [row!.Id, row.Name, row.Type, row.Image, row.ImageRepository, row.ImageTag, row.ImageDigest, row.ImageId, row.PodName, row.Namespace];
            Assert.Equal(expected, actual);
        }

        // Events, processes, threads, times and errors over the events sysdig prints.
        var expectedActivity = new Dictionary<string, (HashSet<string> Pids, HashSet<string> Tids, long Events, ulong First, ulong Last)>(StringComparer.Ordinal);
        foreach (string[] f in SysdigRunner.Fields(oracle, "*" + "%container.id|~|%proc.pid|~|%thread.tid|~|%evt.rawtime", filter).Where(f => f[0] != "<NA>"))
        {
            ulong t = ulong.Parse(f[3], CultureInfo.InvariantCulture);
            if (!expectedActivity.TryGetValue(f[0], out var a))
            {
                a = ([], [], 0, t, t);
            }

            a.Pids.Add(f[1]);
            a.Tids.Add(f[2]);
            expectedActivity[f[0]] = (a.Pids, a.Tids, a.Events + 1, a.First, t);
        }

        Assert.Equal(expectedActivity.Keys.Order(StringComparer.Ordinal), rows.Where(r => r.Events > 0).Select(r => r.Id).Order(StringComparer.Ordinal));
        foreach ((string id, var a) in expectedActivity)
        {
            ScapContainer r = byId[id];
            Assert.Equal((a.Pids.Count(p => p != "<NA>"), a.Tids.Count, a.Events, (DateTime?)Differential.ToTime(a.First), (DateTime?)Differential.ToTime(a.Last)), (r.Processes, r.Threads, r.Events, r.FirstTime, r.LastTime));
        }

        var errors = SysdigRunner.Fields(oracle, "*" + "%container.id", Differential.And(filter, ContainerAggregator.ErrorFilter))
            .GroupBy(f => f[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        foreach (ScapContainer r in rows)
        {
            Assert.Equal(errors.GetValueOrDefault(r.Id), r.Errors);
        }

        // Bytes as the chisels' engine sums them, keyed by container.name as they are.
        AssertBytes(ChiselOracle.Table(oracle, "container.name", ContainerAggregator.FileFilter, filter), rows, r => r.FileBytes, "file");
        AssertBytes(ChiselOracle.Table(oracle, "container.name", ContainerAggregator.NetFilter, filter), rows, r => r.NetBytes, "net");
        _output.WriteLine($"{rows.Count} rows, {lscontainers.Count} in lscontainers, {printed.Count} named by sysdig -p");
    }

    // table_generator drops events without a container.name: containers known only by id.
    private static void AssertBytes(Dictionary<string, long> expected, IReadOnlyList<ScapContainer> rows, Func<ScapContainer, long> value, string what)
        => Differential.AssertSums(expected, rows.Where(r => r.Name is not null), r => r.Name!, value, $"{what} bytes");
}
