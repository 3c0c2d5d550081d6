using System.Globalization;
using KForensics.Core.Analysis;
using KForensics.Core.Filtering;
using KForensics.Tests.Filtering;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Analysis;

/// <summary>
/// Get-ScapCommand against sysdig 0.29.3 on every capture in ../shared/captures: the rows spy_users shows
/// must be exactly the lines the real chisel prints (run with -pc, colours off and no depth limit), line
/// for line and in order; and every row, shown or not, must carry what sysdig -p prints for the same
/// event (user, container, pids, names, command and the first 16 ancestors).
/// </summary>
public class CommandDifferentialTests
{
    private const string Sep = "|~|";
    private readonly ITestOutputHelper _output;

    public CommandDifferentialTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public static TheoryData<string, string?> Cases()
    {
        var data = new TheoryData<string, string?>();
        foreach (string file in Captures.All())
        {
            data.Add(Path.GetFileName(file), null);

            // Hiding the commands of some processes changes what the chisel learns about sessions.
            data.Add(Path.GetFileName(file), "proc.name!=tar and proc.name!=bash and proc.name!=curl");
        }

        if (data.Count == 0)
        {
            data.Add("(no captures)", null);
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void CommandsMatchSpyUsers(string name, string? filter)
    {
        Skip.If(Captures.Directory is null, "../shared/captures is absent");
        string capture = Path.Combine(Captures.Directory!, name);
        string oracle = Captures.OracleFileFor(capture);
        var view = new CommandView(filter is null ? null : ScapFieldBinder.Compile(filter));
        view.Read(capture, CancellationToken.None);
        IReadOnlyList<ScapCommand> rows = view.Rows(capture);

        // 1. What the chisel prints, line for line.
        var args = new List<string> { "-pc", "-r", oracle, "-c", "spy_users", "1000 disable_color" };
        if (filter is not null)
        {
            args.Add(filter);
        }

        string[] printed = ChiselOracle.Run(args).Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();
        string[] ours = rows.Where(r => r.Interactive).Select(SpyUsersLine).ToArray();
        Assert.Equal(printed, ours);

        // 2. Every row against sysdig -p over the chisel's events.
        string fields = "*%evt.rawtime|~|%evt.type|~|%user.name|~|%user.uid|~|%container.id|~|%container.name|~|%proc.pid|~|%thread.tid|~|%proc.ppid"
            + "|~|%proc.name|~|%proc.exe|~|%proc.args|~|%evt.arg.path"
            + string.Concat(Enumerable.Range(1, CommandView.MaxAncestors).Select(j => $"|~|%proc.aname[{j}]"))
            + string.Concat(Enumerable.Range(1, CommandView.MaxAncestors).Select(j => $"|~|%proc.apid[{j}]"));
        string events = filter is null ? CommandView.ViewFilter : $"({filter}) and ({CommandView.ViewFilter})";
        string[] expected = ChiselOracle.Run(["-r", oracle, "-p", fields, events]).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => Canonical(l.Split(Sep))).ToArray();
        string[] actual = rows.Select(Canonical).ToArray();
        Assert.Equal(expected, actual);

        _output.WriteLine($"{name}: {rows.Count} rows matched sysdig -p, {ours.Length} matched spy_users ({rows.Count(r => r.EventType == "chdir")} cd)");
    }

    /// <summary>The line spy_users prints with -pc: indentation by depth, session pid, time, user@container, command.</summary>
    private static string SpyUsersLine(ScapCommand r)
        => new string(' ', 4 * r.ShellDepth!.Value) + r.ShellProcessId!.Value.ToString(CultureInfo.InvariantCulture) + " "
            + r.Time.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture) + " " + (r.UserName ?? "<NA>") + "@" + r.ContainerName + ") "
            + (r.EventType == "chdir" ? r.CommandLine : r.Exe + " " + r.Arguments).TrimEnd();

    /// <summary>A sysdig -p line in the row's terms: time as UTC, and for chdir the directory in place of the shell's command.</summary>
    private static string Canonical(string[] f)
    {
        DateTime time = DateTime.UnixEpoch.AddTicks((long)(ulong.Parse(f[0], CultureInfo.InvariantCulture) / 100));
        bool chdir = f[1] == "chdir";
        return string.Join(Sep, new[] { time.ToString("o", CultureInfo.InvariantCulture) }.Concat(f[1..10])
            .Concat(chdir ? ["cd", f[12]] : [f[10], f[11]]).Concat(f[13..]));
    }

    private static string Canonical(ScapCommand r)
    {
        static string Or(object? v) => v is null ? "<NA>" : Convert.ToString(v, CultureInfo.InvariantCulture)!;
        const int n = CommandView.MaxAncestors;
        IEnumerable<string> names = r.Ancestors.Concat(Enumerable.Repeat("<NA>", n)).Take(n);
        IEnumerable<string> pids = r.AncestorIds.Select(p => Or(p)).Concat(Enumerable.Repeat("<NA>", n)).Take(n);
        return string.Join(Sep, new[]
        {
            r.Time.ToString("o", CultureInfo.InvariantCulture), r.EventType, Or(r.UserName), Or(r.UserId), Or(r.ContainerId), Or(r.ContainerName),
            Or(r.ProcessId), Or(r.ThreadId), Or(r.ParentProcessId), Or(r.ProcessName), r.Exe, r.Arguments,
        }.Concat(names).Concat(pids));
    }
}
