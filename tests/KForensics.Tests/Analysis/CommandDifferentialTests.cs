using System.Globalization;
using KForensics.Core.Analysis;
using KForensics.Tests.Filtering;
using KForensics.Tests.Scap;
using Xunit;
using static KForensics.Tests.Analysis.Differential;
using Xunit.Abstractions;

namespace KForensics.Tests.Analysis;

/// <summary>
/// Get-ScapCommand against sysdig 0.29.3 on every capture in ../shared/captures: the rows spy_users shows
/// must be exactly the lines the real chisel prints (run with -pc, colours off and no depth limit), line
/// for line and in order; and every row, shown or not, must carry what sysdig -p prints for the same
/// event (user, container, pids, names, command and the first 16 ancestors).
/// Excluded: one defect of the chisel. At every chdir it shifts its lists of ancestor fields by one
/// (table.insert(fanames, 0, 0)) and never shifts them back, so after the first cd the ancestors it
/// searches for a shell start at the process itself, and after the second they end at once: commands whose
/// parent it first meets then land in the wrong session or are hidden. The test runs the same chisel with
/// that shift made per event (patched at run time from the installed file) and requires our rows to match
/// it line for line; the lines where the real chisel differs from it are the defect, counted in the output.
/// </summary>
public class CommandDifferentialTests
{
    private const string Sep = "|~|";
    private readonly ITestOutputHelper _output;

    public CommandDifferentialTests(ITestOutputHelper output)
    {
        _output = output;
    }

    // Hiding the commands of some processes changes what the chisel learns about sessions; without
    // tar's execs, the parents of its children are first met after a cd (the chisel's defect).
    public static TheoryData<string, string?> Cases() => SharedCaptures.WithFilters(null, "proc.name!=tar", "proc.name!=tar and proc.name!=bash and proc.name!=curl");

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void CommandsMatchSpyUsers(string name, string? filter)
    {
        (string capture, string oracle) = Differential.Files(name);
        var view = new CommandView(Differential.Compile(filter));
        view.Read(capture, CancellationToken.None);
        IReadOnlyList<ScapCommand> rows = view.Rows(capture);

        // 1. What the chisel prints, line for line, but for the lines its ancestor-shift defect changes.
        string[] ours = rows.Where(r => r.Interactive).Select(SpyUsersLine).ToArray();
        string[] real = SpyUsers(oracle, "spy_users", filter);
        string[] fixedChisel = SpyUsers(oracle, FixedChisel.Value, filter);
        Assert.Equal(fixedChisel, ours);
        int defect = real.Length == fixedChisel.Length
            ? real.Zip(fixedChisel).Count(p => p.First != p.Second)
            : fixedChisel.Concat(real).Distinct().Sum(l => Math.Abs(fixedChisel.Count(x => x == l) - real.Count(x => x == l)));
        // The defect needs a chdir: without one among the chisel's events, the real chisel prints our lines too.
        if (!rows.Any(r => r.EventType == "chdir"))
        {
            Assert.Equal(real, ours);
        }

        // 2. Every row against sysdig -p over the chisel's events.
        string fields = "*%evt.rawtime|~|%evt.type|~|%user.name|~|%user.uid|~|%container.id|~|%container.name|~|%proc.pid|~|%thread.tid|~|%proc.ppid"
            + "|~|%proc.name|~|%proc.exe|~|%proc.args|~|%evt.arg.path"
            + string.Concat(Enumerable.Range(1, CommandView.MaxAncestors).Select(j => $"|~|%proc.aname[{j}]"))
            + string.Concat(Enumerable.Range(1, CommandView.MaxAncestors).Select(j => $"|~|%proc.apid[{j}]"));
        string events = Differential.And(filter, CommandView.ViewFilter);
        string[] expected = SysdigRunner.Run(["-r", oracle, "-p", fields, events]).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => Canonical(l.Split(Sep))).ToArray();
        string[] actual = rows.Select(Canonical).ToArray();
        Assert.Equal(expected, actual);

        _output.WriteLine($"{name}: {rows.Count} rows matched sysdig -p, {ours.Length} matched spy_users ({rows.Count(r => r.EventType == "chdir")} cd)"
            + (defect > 0 ? $"; the real chisel prints {real.Length} lines: {defect} lines differ by its defect" : string.Empty));
    }

    private static readonly Lazy<string> FixedChisel = new(WriteFixedChisel);

    private static string[] SpyUsers(string capture, string chisel, string? filter)
    {
        var args = new List<string> { "-pc", "-r", capture, "-c", chisel, "1000 disable_color" };
        if (filter is not null)
        {
            args.Add(filter);
        }

        return SysdigRunner.Run(args).Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();
    }

    /// <summary>The installed spy_users with the ancestor fields shifted for a chdir event only, written to a temporary file.</summary>
    private static string WriteFixedChisel()
    {
        // The chisels live in share/sysdig/chisels beside the bin directory of the sysdig on PATH.
        string sysdig = SysdigRunner.Executable ?? throw new InvalidOperationException("sysdig is not installed.");
        string chisels = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(sysdig)))!, "share", "sysdig", "chisels");
        string text = File.ReadAllText(Path.Combine(chisels, "spy_users.lua"));
        (string From, string To)[] patches =
        [
            ("function on_event()", "function on_event()\n\tif orig_names == nil then orig_names = fanames; orig_pids = fapids end\n\tfanames = orig_names; fapids = orig_pids"),
            ("table.insert(fanames, 0, 0)", "fanames = {[0] = 0, unpack(orig_names, 0, MAX_ANCESTOR_NAVIGATION)}"),
            ("table.insert(fapids, 0, 0)", "fapids = {[0] = 0, unpack(orig_pids, 0, MAX_ANCESTOR_NAVIGATION)}"),
        ];
        foreach ((string from, string to) in patches)
        {
            Assert.True(text.Split(from).Length == 2, $"spy_users.lua is not sysdig 0.29.3's: '{from}' is not there once.");
            text = text.Replace(from, to, StringComparison.Ordinal);
        }

        string path = Path.Combine(AppContext.BaseDirectory, "spy_users_fixed.lua");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The line spy_users prints with -pc: indentation by depth, session pid, time (UTC, as sysdig runs with TZ=UTC), user@container, command.</summary>
    private static string SpyUsersLine(ScapCommand r)
        => new string(' ', 4 * r.ShellDepth!.Value) + r.ShellProcessId!.Value.ToString(CultureInfo.InvariantCulture) + " "
            + r.Time.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + " " + (r.UserName ?? "<NA>") + "@" + r.ContainerName + ") "
            + (r.EventType == "chdir" ? r.CommandLine : r.Exe + " " + r.Arguments).TrimEnd();

    /// <summary>A sysdig -p line in the row's terms: time as UTC, and for chdir the directory in place of the shell's command.</summary>
    private static string Canonical(string[] f)
    {
        DateTime time = Differential.ToTime(ulong.Parse(f[0], CultureInfo.InvariantCulture));
        bool chdir = f[1] == "chdir";
        return string.Join(Sep, new[] { time.ToString("o", CultureInfo.InvariantCulture) }.Concat(f[1..10])
            .Concat(chdir ? ["cd", f[12]] : [f[10], f[11]]).Concat(f[13..]));
    }

    private static string Canonical(ScapCommand r)
    {
        const int n = CommandView.MaxAncestors;
        IEnumerable<string> names = r.Ancestors.Concat(Enumerable.Repeat("<NA>", n)).Take(n);
        IEnumerable<string> pids = r.AncestorIds.Select(p => Printed(p)).Concat(Enumerable.Repeat("<NA>", n)).Take(n);
        return string.Join(Sep, new[]
        {
            r.Time.ToString("o", CultureInfo.InvariantCulture), r.EventType, Printed(r.UserName), Printed(r.UserId), Printed(r.ContainerId), Printed(r.ContainerName),
            Printed(r.ProcessId), Printed(r.ThreadId), Printed(r.ParentProcessId), Printed(r.ProcessName), r.Exe, r.Arguments,
        }.Concat(names).Concat(pids));
    }
}
