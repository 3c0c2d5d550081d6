using System.Globalization;
using KForensics.Core.Analysis;
using KForensics.Tests.Filtering;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Analysis;

/// <summary>
/// Get-ScapSummary against sysdig 0.29.3 on every capture in ../shared/captures: every Inspect tile
/// against the total wsysdig_summary reports for it (the chisel run as Sysdig Inspect runs it, measuring
/// the span first), and the figures Inspect lacks against sysdig -p over the same filter. The filters
/// use only process and fd fields: the chisel filters sysdig's thread table with the user's filter and
/// stops with "not supported for thread table filtering" on any evt.* field.
/// </summary>
public class SummaryDifferentialTests
{
    private readonly ITestOutputHelper _output;

    public SummaryDifferentialTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public static TheoryData<string, string?> Cases() => SharedCaptures.WithFilters(null, "proc.name!=sshd and fd.type!=unix");

    /// <summary>Inspect's tile names and the property that carries each.</summary>
    private static readonly (string Tile, Func<ScapSummary, long> Value)[] Tiles =
    [
        ("Running Processes", s => s.Processes),
        ("Running Containers", s => s.Containers),
        ("System Calls", s => s.SystemCalls),
        ("File Bytes In+Out", s => s.FileBytes),
        ("File Bytes In", s => s.FileBytesRead),
        ("File Bytes Out", s => s.FileBytesWritten),
        ("Accessed Files", s => s.AccessedFiles),
        ("Modified Files", s => s.ModifiedFiles),
        ("Net Bytes In+Out", s => s.NetBytes),
        ("Net Bytes In", s => s.NetBytesIn),
        ("Net Bytes Out", s => s.NetBytesOut),
        ("Active Network Connections", s => s.ActiveConnections),
        ("Listening Ports", s => s.ListeningPorts),
        ("New Listening Ports", s => s.NewListeningPorts),
        ("New Outbound Connections", s => s.OutboundConnections),
        ("New Inbound Connections", s => s.InboundConnections),
        ("Executed Commands", s => s.ExecutedCommands),
        ("Executed Interactive Commands", s => s.InteractiveCommands),
        ("New Symlinks", s => s.NewSymlinks),
        ("Modified System Files", s => s.ModifiedSystemFiles),
        ("Sudo Invocations", s => s.SudoInvocations),
        ("Setns Invocations", s => s.SetnsInvocations),
        ("New SSH Connections", s => s.SshConnections),
        ("Deleted Files", s => s.DeletedFiles),
        ("File Open Errors", s => s.FileOpenErrors),
        ("Fork Count", s => s.Forks),
        ("Failed Connection Attempts", s => s.FailedConnections),
        ("Received Signals", s => s.Signals),
        ("Segmentation Faults", s => s.Segfaults),
    ];

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void SummaryMatchesWsysdigSummary(string name, string? filter)
    {
        (string capture, string oracle) = Differential.Files(name);
        var aggregator = new SummaryAggregator(Differential.Compile(filter));
        aggregator.Read(capture, CancellationToken.None);
        ScapSummary s = aggregator.Summary(capture);

        (Dictionary<string, long> sampled, _) = SummaryOracle.Summary(oracle, filter);

        // sysdig 0.29.3 defect, excluded: with a filter, every walk of the thread table (at the start for
        // the listening ports, then at each sample) runs the filter on each fd by pointing the thread's
        // "last event fd" at it, and leaves it pointing at an fd whenever the filter rejects one
        // (chisel_api.cpp, get_thread_table_int: `continue` skips the restore). An exit parsed next for
        // that thread without its enter (the first event of most threads) then reads that fd: on this
        // corpus two /dev/null reads of bencer_ex4-1 become unix-socket reads and leave the count, and
        // file bytes turn into network bytes in bencer_ex0_nginx_old. Which fd is left depends on the
        // order of sysdig's hash table. KForensics keeps sysdig's state as it is without a chisel, so under
        // a filter the tiles that come from events are compared with the installed chisel minus its one
        // start-up walk and run with a span so long it never samples; the tiles that come from the walks
        // (running processes and containers, listening ports) with the chisel as Inspect runs it.
        Dictionary<string, long> totals = filter is null ? sampled : SummaryOracle.SummaryWithoutTableWalks(oracle, filter);
        var differences = new List<string>();
        foreach ((string tile, Func<ScapSummary, long> value) in Tiles)
        {
            Dictionary<string, long> source = tile is "Running Processes" or "Running Containers" or "Listening Ports" ? sampled : totals;

            // The chisel leaves out tiles that can be empty when they are 0.
            long expected = source.GetValueOrDefault(tile);
            long actual = value(s);
            _output.WriteLine($"{tile,-32} sysdig {expected,12} ours {actual,12}");
            if (actual != expected)
            {
                differences.Add($"{tile}: sysdig {expected}, ours {actual}");
            }
        }

        Assert.True(differences.Count == 0, string.Join("\n", differences));

        // The figures Inspect does not have, over the events sysdig prints.
        ulong[] times = SysdigRunner.Fields(oracle, "*" + "%evt.rawtime", filter).Select(f => ulong.Parse(f[0], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(times.Length, s.Events);
        Assert.Equal(times.Length == 0 ? null : (DateTime?)Differential.ToTime(times[0]), s.FirstEventTime);
        Assert.Equal(times.Length == 0 ? null : (DateTime?)Differential.ToTime(times[^1]), s.LastEventTime);
        Assert.Equal(times.Length == 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)((times[^1] - times[0]) / 100)), s.Duration);

        string[] users = SysdigRunner.Fields(oracle, "*" + "%user.name", filter).Select(f => f[0]).Where(u => u != "<NA>").Distinct().ToArray();
        Assert.Equal(users, s.UserNames);
        Assert.Equal(Count(oracle, Differential.And(filter, SummaryAggregator.ErrorFilter)), s.Errors);
        Assert.Equal(Count(oracle, Differential.And(filter, FileAccessAggregator.OpenFilter)), s.FileOpens);
        int shells = SysdigRunner.Fields(oracle, "*" + "%proc.loginshellid", Differential.And(filter, SummaryAggregator.LoginShellFilter)).Select(f => f[0]).Distinct().Count();
        Assert.Equal(shells, s.LoginShells);
        _output.WriteLine($"{s.Events} events, {s.Users} users ({string.Join(", ", s.UserNames)}), {s.Errors} errors, {s.FileOpens} opens, {s.LoginShells} login shells");
    }

    private static long Count(string capture, string filter) => SysdigRunner.Fields(capture, "*" + "%evt.num", filter).LongCount();
}
