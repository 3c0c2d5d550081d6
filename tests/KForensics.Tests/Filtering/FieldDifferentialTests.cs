using System.Globalization;
using KForensics.Core.Scap;
using KForensics.Core.Scap.Fields;
using KForensics.Tests.Scap;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Filtering;

/// <summary>
/// Every field below printed for every event of every capture, by sysdig 0.29.3 (<c>-p '*%field'</c>) and
/// by <see cref="ScapFieldBinder.BindText(string)"/>: the texts must be equal for every event, or the
/// event is listed in <see cref="KnownSysdigFaults"/> with the sysdig defect that explains it.
/// </summary>
public sealed class FieldDifferentialTests(ITestOutputHelper output)
{
    private const char Separator = '\x1f';
    private const char Record = '\x1e';

    /// <summary>
    /// The fields Falco's stock rulesets print (every <c>%field</c> of their <c>output:</c> lines that
    /// sysdig 0.29.3 knows), then the rest of what a capture answers.
    /// </summary>
    internal static readonly string[] Fields =
    [
        // Falco outputs
        "proc.cmdline", "container.image.repository", "user.name", "proc.pid", "container.image.tag", "container.id",
        "proc.pname", "evt.type", "proc.name", "evt.arg.flags", "container.name", "proc.pcmdline", "user.uid",
        "evt.arg.name", "evt.arg.mode", "evt.arg.filename", "proc.ppid", "proc.exepath", "proc.cwd", "proc.aname[2]",
        "group.name", "evt.res", "proc.args", "proc.aname[4]", "proc.aname[3]", "fd.sip", "fd.rport",
        "fd.rip", "evt.dir", "fd.sport", "fd.sip.name", "fd.l4proto", "evt.arg.request", "k8s.ns.name", "k8s.pod.name",

        // the rest of evt
        "evt.num", "evt.time", "evt.time.s", "evt.datetime", "evt.rawtime", "evt.rawtime.s",
        "evt.latency", "evt.category", "evt.cpu",
        "evt.arg.fd", "evt.arg.res", "evt.arg.data", "evt.rawarg.res", "evt.rawarg.name",
        "evt.buflen", "evt.rawres", "evt.failed", "evt.is_io", "evt.is_io_read", "evt.is_io_write", "evt.io_dir", "evt.is_wait",
        "evt.wait_latency", "evt.is_syslog", "evt.is_open_read", "evt.is_open_write",

        // proc, thread, user
        "proc.exe", "proc.exeline", "proc.aname[0]", "proc.aname[1]", "proc.apid[1]", "proc.apid[2]",
        "proc.loginshellid", "proc.duration", "thread.tid", "thread.ismain",
        "thread.cgroup.cpu", "user.homedir", "user.shell",

        // fd, fdlist
        "fd.num", "fd.type", "fd.cip", "fd.lip", "fd.lport",
        "fd.sockfamily", "fd.is_server", "fd.connected", "fd.uid",
        "fdlist.nums", "fdlist.cips", "fdlist.cports",

        // sessions, terminals, login users, environment, resources
        "user.loginuid", "user.loginname", "proc.sid", "proc.sname", "proc.tty", "proc.vpgid",
        "proc.nthreads", "proc.nchilds", "proc.fdopencount", "proc.fdlimit", "proc.vmswap",
        "evt.count", "evt.count.exit", "evt.count.error",
        "evt.count.error.file", "evt.count.error.net", "evt.count.error.memory", "evt.count.error.other",
        "proc.is_exe_writable",

        "proc.fdusage", "thread.exectime", "thread.cpu", "thread.cpu.user", "thread.cpu.system",
        "proc.is_container_healthcheck",

        // container, k8s
        "container.mounts", "container.mount[0]", "container.mount.dest[0]", "container.mount.source[/var/lib/*]",
        "container.mount.rdwr[0]", "container.mount.mode[0]", "container.mount.propagation[0]", "container.healthcheck",
        "container.liveness_probe", "container.readiness_probe",
        "container.image", "container.image.id", "container.type", "container.privileged", "container.image.digest",
        "k8s.pod.id", "k8s.pod.label.app", "k8s.rc.name",

        // fds of failed opens and of events whose fd is not in the table, times, latencies
        "fd.typechar", "fd.name", "fd.directory", "fd.filename", "fd.containername", "fd.containerdirectory", "fd.name_changed",
        "evt.abspath", "evt.is_open_exec", "evt.rawtime.ns", "evt.latency.ns", "evt.latency.human",

        // client ports, poll fd lists, arguments and buffers, devices and gids (see WrongByRule)
        "fd.cport", "fdlist.names", "fdlist.sips", "fdlist.sports", "evt.arg[0]", "evt.args", "evt.info", "evt.buffer",
        "fd.dev", "fd.dev.major", "fd.dev.minor", "group.gid",

        // messages written to /dev/log
        "syslog.facility", "syslog.facility.str", "syslog.severity", "syslog.severity.str", "syslog.message",
    ];

    /// <summary>Fields that do not agree with sysdig on every event yet; each moves to <see cref="Fields"/> once it does.</summary>
    internal static readonly string[] Pending =
    [
        // thread.totexectime: sysdig 0.29.3 aborts on falco_psp_privileged ("invalid thread state ID0").
        "thread.totexectime", "proc.env", "proc.vmsize", "proc.vmrss", "thread.pfmajor", "thread.pfminor", "thread.vmsize", "thread.vmrss",
        "evt.deltatime", "evt.reltime", "evt.reltime.ns", "evt.type.is.open", "k8s.deployment.name", "k8s.pod.labels", "k8s.svc.name", "proc.vpid", "syscall.type", "thread.cgroups", "thread.vtid"
    ];

    /// <summary>
    /// Events where sysdig 0.29.3's printed value is not the truth, by file, field and evt.num (0: every
    /// event of the file), with the defect. Empty entries are not allowed: each one names its reason.
    /// </summary>
    private static readonly Dictionary<(string File, string Field, ulong Number), string> KnownSysdigFaults = new()
    {
        // The process list of libs_sample (PL v9) has the newer entry layout that puts pidns_init_start_ts and
        // tty before loginuid: sysdig 0.29.3 reads loginuid from where pidns_init_start_ts now is (it prints
        // -420151296) and never reads tty, for every thread that came from that list.
        [("libs_sample.scap", "user.loginuid", 0)] = "0.29.3 reads the newer PL v9 entry layout at the old offsets",
        [("libs_sample.scap", "user.loginname", 0)] = "0.29.3 reads the newer PL v9 entry layout at the old offsets",
        [("libs_sample.scap", "proc.tty", 0)] = "0.29.3 does not read tty from PL v9 entries",
        [("libs_sample.scap", "proc.is_exe_writable", 0)] = "0.29.3 reads the newer PL v9 entry layout at the old offsets",

        // Thread 8313 is known only from its events: 0.29.3 leaves its exe_writable uninitialised. Printed
        // alone (-p '*%evt.num %proc.is_exe_writable') both events say false; among this test's fields, true.
        [("falco_psp_run_as_user_65534_container.scap", "proc.is_exe_writable", 121)] = "0.29.3 prints uninitialised memory",
        [("falco_psp_run_as_user_65534_container.scap", "proc.is_exe_writable", 122)] = "0.29.3 prints uninitialised memory",
    };

    /// <summary>
    /// Fields whose text sysdig 0.29.3 does not compute on some events but leaves as the extractor's buffer held
    /// it, i.e. the text it printed for the event before: an event is excused only where sysdig's text is
    /// exactly the previous event's, and only on the events named.
    /// </summary>
    private static readonly Dictionary<string, (Func<string[], bool> Applies, string Defect)> StaleText = new()
    {
        // Context switches, and exits that paired with no enter (a clone's child, a lost enter): evt.latency
        // is 0 there, the human text should read 0ns.
        ["evt.latency.human"] = (e => e[Array.IndexOf(Fields, "evt.type")] == "switch"
                || (e[Array.IndexOf(Fields, "evt.dir")] == "<" && e[Array.IndexOf(Fields, "evt.latency")] == "0"),
            "0.29.3 does not compute it where no enter paired with the event and prints the previous event's text"),
    };

    /// <summary>
    /// Fields whose printed value sysdig 0.29.3 gets wrong in a way that can be told from its text and ours: an
    /// event is excused only where the rule holds for the two texts of that event.
    /// </summary>
    private static readonly Dictionary<string, (Func<string, string, bool> Applies, string Defect)> WrongByRule = new()
    {
        // sysdig -r bencer_capture.scap -p '%group.gid %group.name' 'group.name=root and group.gid!=0' prints
        // 4294967296 ... 34359738368 next to root: the gid (0) with garbage above bit 31.
        ["group.gid"] = ((theirs, ours) => ulong.TryParse(theirs, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)
                && v > uint.MaxValue && (v & uint.MaxValue).ToString(CultureInfo.InvariantCulture) == ours,
            "0.29.3 reads the 32-bit gid into a 64-bit field: garbage in the high bits"),

        // sysdig -r instruqt_svh5_activity.scap -p '%fd.dev' 'evt.type=socket and evt.dir=<' prints another device on
        // every run of the same command (562F, 55C7, 5602, ...): the device of an fd whose creating event carries none
        // is uninitialised memory. The module gives such fds device 0.
        ["fd.dev"] = ((theirs, ours) => ours == "0" && theirs != "0", "0.29.3 prints uninitialised memory as the device of fds whose event has none"),
        ["fd.dev.major"] = ((theirs, ours) => ours == "0" && theirs != "0", "0.29.3 prints uninitialised memory as the device of fds whose event has none"),
        ["fd.dev.minor"] = ((theirs, ours) => ours == "0" && theirs != "0", "0.29.3 prints uninitialised memory as the device of fds whose event has none"),
    };

    public static TheoryData<string> Files() => SharedCaptures.Names();

    [SkippableTheory]
    [MemberData(nameof(Files))]
    public void Every_field_prints_as_sysdig_prints_it(string file)
    {
        Skip.If(SharedCaptures.Directory is null, "../shared/captures is absent");
        Skip.If(SysdigRunner.Executable is null, "sysdig is not installed");
        string path = Path.Combine(SharedCaptures.Directory!, file);
        Dictionary<ulong, string[]> expected = Oracle(SharedCaptures.OracleFileFor(path), Fields);
        Dictionary<ulong, string?[]> ours = Read(path, Fields);

        int[] differ = new int[Fields.Length];
        var examples = new List<string>[Fields.Length];
        int compared = 0;
        string[]? previous = null;
        foreach ((ulong number, string[] theirs) in expected.OrderBy(p => p.Key))
        {
            Assert.True(ours.TryGetValue(number, out string?[]? mine), $"{file}: event #{number} missing");
            compared++;
            string[]? before = previous;
            previous = theirs;
            for (int i = 0; i < Fields.Length; i++)
            {
                string printed = mine![i] ?? "<NA>";
                if (printed == theirs[i] || Excused(file, Fields[i], number)
                    || (WrongByRule.TryGetValue(Fields[i], out var rule) && rule.Applies(theirs[i], printed))
                    || (StaleText.TryGetValue(Fields[i], out var stale) && stale.Applies(theirs) && theirs[i] == (before?[i] ?? string.Empty)))
                {
                    continue;
                }

                differ[i]++;
                (examples[i] ??= []).Add($"#{number}: sysdig '{Cut(theirs[i])}' / ours '{Cut(printed)}'");
            }
        }

        var failures = new List<string>();
        for (int i = 0; i < Fields.Length; i++)
        {
            double share = compared == 0 ? 100 : 100.0 * (compared - differ[i]) / compared;
            if (differ[i] > 0)
            {
                failures.Add($"{Fields[i]}: {share.ToString("0.00", CultureInfo.InvariantCulture)}% of {compared} ({differ[i]} differ), e.g. "
                    + string.Join("; ", examples[i].Take(3)));
            }
        }

        failures.ForEach(output.WriteLine);
        output.WriteLine($"{file}: {compared} events, {Fields.Length} fields, {Fields.Length - failures.Count} fields at 100%");
        Assert.True(compared > 0 || new FileInfo(path).Length < 200_000, "sysdig printed no events");
        Assert.Empty(failures);
    }

    private static bool Excused(string file, string field, ulong number)
        => KnownSysdigFaults.ContainsKey((file, field, number)) || KnownSysdigFaults.ContainsKey((file, field, 0));

    private static string Cut(string s) => s.Length > 60 ? s[..57] + "..." : s;

    /// <summary>sysdig's text of every field for every event it prints, by evt.num.</summary>
    internal static Dictionary<ulong, string[]> Oracle(string path, IReadOnlyList<string> fields)
    {
        string format = "*" + Record + "%evt.num" + string.Concat(fields.Select(f => Separator + "%" + f));
        string text = SysdigRunner.Run("-r", path, "-p", format);
        var records = new Dictionary<ulong, string[]>();
        foreach (string record in text.Split(Record).Skip(1))
        {
            string[] values = record.EndsWith('\n') ? record[..^1].Split(Separator) : record.Split(Separator);
            Assert.Equal(fields.Count + 1, values.Length);
            records[ulong.Parse(values[0], CultureInfo.InvariantCulture)] = values[1..];
        }

        return records;
    }

    /// <summary>Our text of every field for every event sysdig prints, by evt.num.</summary>
    internal static Dictionary<ulong, string?[]> Read(string path, IReadOnlyList<string> fields)
    {
        var bound = fields.Select(f => new KeyValuePair<string, Func<ScapFilterContext, string?>>(f, ScapFieldBinder.Instance.BindText(f))).ToList();
        var events = new Dictionary<ulong, string?[]>();
        using ScapEventReader reader = ScapEventReader.Open(path, false, null, bound);
        while (reader.TryRead(out ScapEvent? e))
        {
            events[e.Number] = fields.Select(f => e.Fields[f]).ToArray();
        }

        return events;
    }
}
