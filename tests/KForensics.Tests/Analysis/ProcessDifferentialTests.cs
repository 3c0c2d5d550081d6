using System.Globalization;
using System.Text.Json;
using KForensics.Core.Analysis;
using KForensics.Tests.Filtering;
using KForensics.Tests.Scap;
using Xunit;
using static KForensics.Tests.Analysis.Differential;
using Xunit.Abstractions;

namespace KForensics.Tests.Analysis;

/// <summary>
/// Get-ScapProcess against sysdig 0.29.3 on every capture in ../shared/captures. The chisel figures come
/// from table_generator with the keys, value and filter of topprocs_cpu, topprocs_file, topprocs_net and
/// topprocs_errors (every row, raw numbers), summed per pid since the chisels also key by proc.name; the
/// real chisels' own top rows (-j) must agree too. Who each process is, its events, times, threads and exit
/// come from sysdig -p over all events; the processes of the capture's process list from the ps chisel.
/// </summary>
public class ProcessDifferentialTests
{
    private const string Sep = "|~|";
    private readonly ITestOutputHelper _output;

    public ProcessDifferentialTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public static TheoryData<string, string?> Cases() => SharedCaptures.WithFilters(null, Differential.NoSshdNoSendto);

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void ProcessesMatchSysdig(string name, string? filter)
    {
        (string capture, string oracle) = Differential.Files(name);
        var view = new ProcessAggregator(Differential.Compile(filter));
        view.Read(capture, CancellationToken.None);
        IReadOnlyList<ScapProcess> rows = view.Rows(capture);
        Dictionary<long, ScapProcess[]> byPid = rows.GroupBy(r => r.ProcessId).ToDictionary(g => g.Key, g => g.ToArray());

        // 1. The chisel figures, every row, summed per pid.
        const string keys = "proc.name,proc.pid";
        Dictionary<string, long> cpu = ChiselOracle.Table(oracle, keys, "evt.type=procinfo", filter, "thread.cpu");
        Dictionary<string, long> file = ChiselOracle.Table(oracle, keys, ProcessAggregator.FileFilter, filter);
        Dictionary<string, long> net = ChiselOracle.Table(oracle, keys, ProcessAggregator.NetworkFilter, filter);
        Dictionary<string, long> errors = ChiselOracle.Table(oracle, keys, ProcessAggregator.ErrorFilter, filter, "evt.count");
        Differential.AssertSums(PerPid(cpu), rows, r => r.ProcessId, r => r.CpuTicks, "CPU ticks");
        Differential.AssertSums(PerPid(file), rows, r => r.ProcessId, r => r.FileBytes, "file bytes");
        Differential.AssertSums(PerPid(net), rows, r => r.ProcessId, r => r.NetworkBytes, "network bytes");
        Differential.AssertSums(PerPid(errors), rows, r => r.ProcessId, r => r.Errors, "errors");

        // The real chisels print their top rows keyed by name and pid; where a pid had one name, the figures agree.
        AssertTopRows(oracle, "topprocs_cpu", filter, cpu, byPid, r => r.CpuTicks * 10_000_000);
        AssertTopRows(oracle, "topprocs_file", filter, file, byPid, r => r.FileBytes);
        AssertTopRows(oracle, "topprocs_net", filter, net, byPid, r => r.NetworkBytes);
        AssertTopRows(oracle, "topprocs_errors", filter, errors, byPid, r => r.Errors);

        // 2. Events, times, threads, exit and identity from sysdig -p over every event with a process.
        const string fields = "*%proc.pid|~|%evt.rawtime|~|%thread.tid|~|%evt.type|~|%proc.aname[0]|~|%proc.exe|~|%proc.exepath|~|%proc.args|~|%proc.exeline"
            + "|~|%proc.ppid|~|%proc.pname|~|%user.name|~|%user.uid|~|%container.id|~|%container.name";
        var args = new List<string> { "-r", oracle, "-p", fields };
        if (filter is not null)
        {
            args.Add(filter);
        }

        var seen = new Dictionary<long, (ulong First, ulong Last, long Events, HashSet<long> Tids, bool Exited, string[] Fields)>();
        foreach (string line in SysdigRunner.Run(args).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(Sep);
            if (f[0] == "<NA>")
            {
                continue;
            }

            long pid = long.Parse(f[0], CultureInfo.InvariantCulture);
            ulong t = ulong.Parse(f[1], CultureInfo.InvariantCulture);
            long tid = long.Parse(f[2], CultureInfo.InvariantCulture);
            bool exit = f[3] == "procexit" && tid == pid;
            seen[pid] = seen.TryGetValue(pid, out var s)
                ? (s.First, t, s.Events + 1, s.Tids, s.Exited || exit, f)
                : (t, t, 1, [], exit, f);
            seen[pid].Tids.Add(tid);
        }

        // 3. The process list, as the ps chisel shows the thread table at the first event.
        Dictionary<long, (HashSet<long> Tids, string? Comm)> listed = filter is null ? ProcessList(oracle) : [];

        Assert.Equal(seen.Keys.Union(listed.Keys).Concat(cpu.Keys.Select(PidOf)).Distinct().Order(), byPid.Keys.Order());
        foreach ((long pid, ScapProcess[] mine) in byPid)
        {
            ScapProcess last = mine[^1];
            Assert.Equal(listed.ContainsKey(pid), mine[0].InProcessList);
            if (seen.TryGetValue(pid, out var s))
            {
                Assert.Equal(((DateTime?)Differential.ToTime(s.First), (DateTime?)Differential.ToTime(s.Last), s.Events), (mine.Min(r => r.FirstTime), mine.Max(r => r.LastTime), mine.Sum(r => r.Events)));
                Assert.Equal(s.Exited, mine.Any(r => r.Exited));
                Assert.Equal(Identity(s.Fields), Identity(last));
            }
            else
            {
                Assert.Equal(0, mine.Sum(r => r.Events));
            }

            if (mine.Length == 1)
            {
                // Threads: those listed at the start and those with events (a reused pid splits them over rows).
                HashSet<long> tids = [.. s.Tids ?? [], .. listed.TryGetValue(pid, out var l) ? l.Tids : []];
                Assert.Equal(tids.Count, last.Threads);
            }

            if (s.Tids is null && listed.TryGetValue(pid, out var only) && only.Comm is not null)
            {
                Assert.Equal(only.Comm, last.Name);
            }
        }

        _output.WriteLine($"{name}: {rows.Count} processes ({rows.Count(r => r.InProcessList)} listed at the start, {rows.Count(r => r.Exited)} exited); "
            + $"CPU {rows.Sum(r => r.CpuTicks)} ticks, file {rows.Sum(r => r.FileBytes)} B, net {rows.Sum(r => r.NetworkBytes)} B, {rows.Sum(r => r.Errors)} errors, "
            + $"{rows.Sum(r => r.Events)} events");
    }

    private static long PidOf(string key) => long.Parse(key[(key.LastIndexOf('\u0001') + 1)..], CultureInfo.InvariantCulture);

    /// <summary>A table keyed by name and pid, summed per pid (a pid that changed name has several keys).</summary>
    private static Dictionary<long, long> PerPid(Dictionary<string, long> table)
        => table.GroupBy(p => PidOf(p.Key)).ToDictionary(g => g.Key, g => g.Sum(p => p.Value));

    private static void AssertTopRows(string oracle, string chisel, string? filter, Dictionary<string, long> table, Dictionary<long, ScapProcess[]> byPid,
        Func<ScapProcess, long> value)
    {
        var args = new List<string> { "-r", oracle, "-j", "-c", chisel };
        if (filter is not null)
        {
            args.Add(filter);
        }

        string output = SysdigRunner.Run(args);
        int start = output.IndexOf('{');
        Assert.True(start >= 0, $"{chisel} printed no JSON: {output[..Math.Min(output.Length, 500)]}");
        using JsonDocument doc = JsonDocument.Parse(output[start..]);
        int nonZero = 0;
        foreach (JsonElement row in doc.RootElement.GetProperty("data").EnumerateArray())
        {
            JsonElement[] cells = row.EnumerateArray().ToArray();
            long pid = long.Parse(cells[1].GetString()!, CultureInfo.InvariantCulture);
            long figure = (long)cells[2].GetDouble();
            nonZero += figure != 0 ? 1 : 0;
            // Rows of 0 are left out of the tables (and tie at random in the chisel's top rows): a pid
            // can show them under a name it had before or after the one that counted.
            if (figure != 0 && table.Keys.Count(k => PidOf(k) == pid) == 1)
            {
                Assert.Equal(figure, byPid.TryGetValue(pid, out ScapProcess[]? mine) ? mine.Sum(value) : 0);
            }
        }

        // The top rows hold the largest figure, so they show one that is not 0 exactly when the table has one.
        Assert.True((nonZero > 0) == table.Values.Any(v => v != 0), $"{chisel} prints {nonZero} rows that are not 0; the table has {table.Values.Count(v => v != 0)}");
    }

    /// <summary>sysdig's ps chisel: pid → its threads and the main thread's name.</summary>
    private static Dictionary<long, (HashSet<long> Tids, string? Comm)> ProcessList(string capture)
    {
        var result = new Dictionary<long, (HashSet<long> Tids, string? Comm)>();
        foreach (string line in SysdigRunner.Run(["-r", capture, "-c", "ps"]).Split('\n').Skip(1).Where(l => l.Length > 0))
        {
            string[] cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length < 2 || !long.TryParse(cells[0], CultureInfo.InvariantCulture, out long tid) || !long.TryParse(cells[1], CultureInfo.InvariantCulture, out long pid))
            {
                continue;
            }

            // Columns are padded or cut to fixed widths (extend_string); the name starts at column 60.
            string? comm = line.Length > 60 ? line[60..] : null;
            var entry = result.TryGetValue(pid, out var e) ? e : ([], null);
            entry.Tids.Add(tid);
            result[pid] = tid == pid ? (entry.Tids, comm) : entry;
        }

        return result;
    }

    /// <summary>
    /// A sysdig -p line in the row's terms: the row has null for an empty exepath, and its command line
    /// drops the space sinsp's proc.exeline leaves after an exe without arguments.
    /// </summary>
    private static string Identity(string[] f)
    {
        string exePath = f[6].Length == 0 ? "<NA>" : f[6];
        string commandLine = f[7].Length == 0 && f[8].EndsWith(' ') ? f[8][..^1] : f[8];
        return string.Join(Sep, new[] { f[4], f[5], exePath, commandLine }.Concat(f[9..]));
    }

    private static string Identity(ScapProcess r)
    {
        return string.Join(Sep, Printed(r.Name), Printed(r.Exe), Printed(r.ExePath), Printed(r.CommandLine), Printed(r.ParentProcessId), Printed(r.ParentName), Printed(r.UserName),
            Printed(r.UserId), Printed(r.ContainerId), Printed(r.ContainerName));
    }
}
