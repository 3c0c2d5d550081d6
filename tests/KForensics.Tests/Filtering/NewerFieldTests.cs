using KForensics.Core.Scap;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;
using KForensics.Tests.Scap;
using Xunit;
using static KForensics.Tests.Scap.CaptureBytes;

namespace KForensics.Tests.Filtering;

/// <summary>
/// The fields of current libs that Falco rulesets use and sysdig 0.29.3 lacks: values from a written
/// capture whose events carry them (the newest clone and execve layouts), null on the corpus, whose
/// events predate them, and the ancestry fields against sysdig's own ancestry fields.
/// </summary>
public sealed class NewerFieldTests
{
    private const ulong T0 = 1_700_000_000_000_000_000;
    private const ulong PidnsStart = 1_699_999_000_000_000_000;
    private const ulong Ctime = 1_690_000_000_123_456_789, Mtime = 1_680_000_000_000_000_001;
    private const ulong Ino = 424242;

    // CAP_CHOWN (0), CAP_KILL (5), CAP_NET_RAW (13), CAP_SYS_ADMIN (21); CAP_NET_BIND_SERVICE (10); none.
    private const ulong Permitted = (1UL << 0) | (1UL << 5) | (1UL << 13) | (1UL << 21), Effective = 1UL << 10, Inheritable = 0;

    private static byte[] Process(long tid, long pid, long ptid, string comm, string exePath, string cwd)
    {
        byte[] e = Concat(I64(tid), I64(pid), I64(ptid), I64(pid), I64(pid), Str16(comm), Str16(comm), Str16(exePath),
            Str16(""), Str16(cwd), U64(1024), U32(0), U32(0), U32(0), new byte[28], Str16(""), I64(tid), I64(pid), Str16(""), Str16("/"));
        return Concat(U32((uint)e.Length + 4), e);
    }

    internal static byte[] Build()
    {
        var c = new CaptureBytes().Shb()
            .Block(BlockTypes.PlV9, Concat(
                Process(10, 10, 1, "containerd-shim", "/usr/bin/containerd-shim", "/"),
                Process(100, 100, 10, "bash", "/bin/bash", "/root")));
        ulong ts = T0;
        CaptureBytes E(ushort type, long tid, params byte[][] p) => c.Event(BlockTypes.EvV2, type, ts += 1000, tid, 1, 0, null, p);
        string cgroups = "cpu=/docker/3dea4b6b0b34c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f7081920a1b\0";
        byte[] cg = System.Text.Encoding.UTF8.GetBytes(cgroups);

        // bash forks 300 (the newest clone layout states the pid namespace start), which runs an
        // executable written into the container's upper layer, from a memfd.
        E(EventIds.SyscallClone20X, 100, I64(300), Text("bash"), [], I64(100), I64(100), I64(10), Text(""), I64(1024), U64(0), U64(0),
            U32(0), U32(0), U32(0), Text("bash"), cg, U32(0), U32(0), U32(0), I64(100), I64(100), U64(PidnsStart));
        E(EventIds.SyscallClone20X, 300, I64(0), Text("bash"), [], I64(300), I64(300), I64(100), Text(""), I64(1024), U64(0), U64(0),
            U32(0), U32(0), U32(0), Text("bash"), cg, U32(0), U32(0), U32(0), I64(300), I64(300), U64(PidnsStart));
        E(EventIds.SyscallExecve19E, 300, Text("/tmp/dropper"));
        E(EventIds.SyscallExecve19X, 300, I64(0), Text("/tmp/dropper"), "-x\0"u8.ToArray(), I64(300), I64(300), I64(100), Text(""),
            U64(1024), U64(0), U64(0), U32(0), U32(0), U32(0), Text("dropper"), cg, [], U32(34816), I64(300), U32(0),
            U32(2 | 4), U64(Inheritable), U64(Permitted), U64(Effective), U64(Ino), U64(Ctime), U64(Mtime), U32(0));
        E(EventIds.SyscallOpenat_2E, 300, I64(-100), Text("etc//shadow"), U32(1), U32(0));
        E(EventIds.SyscallOpenat_2X, 300, I64(5), I64(-100), Text("etc//shadow"), U32(1), U32(0), U32(0), U64(0));
        E(EventIds.SyscallReadE, 300, I64(5), U32(10));
        E(EventIds.SyscallReadE, 100, I64(0), U32(10));
        return c.ToArray();
    }

    private static Dictionary<string, string?> Last(string path, long tid, params string[] fields)
    {
        var bound = fields.Select(f => new KeyValuePair<string, Func<ScapFilterContext, string?>>(f, ScapFieldBinder.Instance.BindText(f))).ToList();
        using ScapEventReader reader = ScapEventReader.Open(path, false, null, bound);
        Dictionary<string, string?>? last = null;
        while (reader.TryRead(out ScapEvent? e))
        {
            if (e.ThreadId == tid)
            {
                last = e.Fields.ToDictionary(kv => kv.Key, kv => kv.Value);
            }
        }

        return last ?? throw new InvalidOperationException($"no event of thread {tid}");
    }

    private static readonly string[] NewFields =
    [
        "container.start_ts", "container.duration", "fd.nameraw", "proc.pexe", "proc.pexepath", "proc.aexepath[0]", "proc.aexepath[1]",
        "proc.aexepath[2]", "proc.aexe[1]", "proc.exe_ino", "proc.exe_ino.ctime", "proc.exe_ino.mtime",
        "proc.exe_ino.ctime_duration_proc_start", "proc.is_exe_writable", "proc.is_exe_upper_layer", "proc.is_exe_from_memfd",
        "thread.cap_permitted", "thread.cap_inheritable", "thread.cap_effective",
    ];

    [Fact]
    public void Events_that_carry_the_data_give_libs_values()
    {
        string path = Path.Combine(Path.GetTempPath(), $"kf-newer-{Guid.NewGuid():N}.scap");
        File.WriteAllBytes(path, Build());
        try
        {
            Dictionary<string, string?> v = Last(path, 300, NewFields);
            Assert.Equal(PidnsStart.ToString(), v["container.start_ts"]);
            Assert.Equal((T0 + 7000 - PidnsStart).ToString(), v["container.duration"]);
            Assert.Equal("etc/shadow", v["fd.nameraw"]);
            Assert.Equal("bash", v["proc.pexe"]);
            Assert.Equal("/bin/bash", v["proc.pexepath"]);
            Assert.Equal("/bin/bash", v["proc.aexepath[1]"]);
            Assert.Equal("/usr/bin/containerd-shim", v["proc.aexepath[2]"]);
            Assert.Equal("/tmp/dropper", v["proc.aexepath[0]"]);
            Assert.Equal("bash", v["proc.aexe[1]"]);
            Assert.Equal(Ino.ToString(), v["proc.exe_ino"]);
            Assert.Equal(Ctime.ToString(), v["proc.exe_ino.ctime"]);
            Assert.Equal(Mtime.ToString(), v["proc.exe_ino.mtime"]);

            // The clone happened after the executable's ctime: clone time minus ctime.
            Assert.Equal((T0 + 1000 - Ctime).ToString(), v["proc.exe_ino.ctime_duration_proc_start"]);
            Assert.Equal("false", v["proc.is_exe_writable"]);
            Assert.Equal("true", v["proc.is_exe_upper_layer"]);
            Assert.Equal("true", v["proc.is_exe_from_memfd"]);
            Assert.Equal("CAP_CHOWN CAP_KILL CAP_NET_RAW CAP_SYS_ADMIN", v["thread.cap_permitted"]);
            Assert.Equal("CAP_NET_BIND_SERVICE", v["thread.cap_effective"]);
            Assert.Equal(string.Empty, v["thread.cap_inheritable"]);

            // The parent's exec was never seen: no inode (null), flags and capabilities clear, as libs keeps them.
            Dictionary<string, string?> parent = Last(path, 100, NewFields);
            Assert.Null(parent["proc.exe_ino"]);
            Assert.Null(parent["proc.exe_ino.ctime"]);
            Assert.Equal(string.Empty, parent["thread.cap_effective"]);
            Assert.Equal("false", parent["proc.is_exe_upper_layer"]);
            Assert.Equal("/usr/bin/containerd-shim", parent["proc.pexepath"]);

            // And the filter sees the same values.
            Func<ScapFilterContext, bool> filter = ScapFieldBinder.Compile(
                "proc.is_exe_upper_layer=true and thread.cap_permitted contains CAP_SYS_ADMIN and proc.exe_ino=424242 and proc.aexepath endswith containerd-shim");
            using ScapEventReader reader = ScapEventReader.Open(path, false, filter);
            Assert.All(reader.ReadAll(CancellationToken.None), e => Assert.Equal(300, e.ThreadId));
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static TheoryData<string> Files() => Captures.Names();

    /// <summary>
    /// On the corpus: where a capture states the executable's inode (libs_sample's process list has the
    /// newest entry layout), its times are present, after 2000 and before the event; where it does not,
    /// the inode fields are null, capabilities empty and exe flags false (sysdig's own
    /// proc.is_exe_writable agrees on the files whose lists sysdig reads right); and the ancestry fields
    /// agree with sysdig's (proc.aexepath[0] is proc.exepath, proc.pexe exists exactly when proc.pname does).
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Files))]
    public void Corpus_values_are_consistent_and_ancestry_agrees_with_sysdig(string file)
    {
        Skip.If(Captures.Directory is null, "../shared/captures is absent");
        Skip.If(SysdigOracle.Executable is null, "sysdig is not installed");
        string path = Path.Combine(Captures.Directory!, file);
        string[] ours = ["proc.exe_ino", "proc.exe_ino.ctime", "proc.exe_ino.mtime", "thread.cap_effective", "proc.is_exe_upper_layer",
            "proc.aexepath[0]", "proc.pexe", "evt.rawtime"];
        Dictionary<ulong, string?[]> mine = FieldDifferentialTests.Read(path, ours);
        Dictionary<ulong, string[]> theirs = FieldDifferentialTests.Oracle(Captures.OracleFileFor(path), ["proc.exepath", "proc.pname"]);
        const ulong Y2000 = 946_684_800UL * 1_000_000_000;
        foreach ((ulong number, string[] s) in theirs)
        {
            string?[] m = mine[number];
            if (m[0] is not null)
            {
                ulong at = ulong.Parse(m[7]!);
                Assert.True(ulong.Parse(m[1]!) is > Y2000 and var c && c <= at, $"#{number}: ctime {m[1]}");
                Assert.True(ulong.Parse(m[2]!) is > Y2000 and var t && t <= at, $"#{number}: mtime {m[2]}");
            }
            else
            {
                Assert.True(m[1] is null && m[2] is null, $"#{number}: times without an inode");
            }

            Assert.Equal(s[0], m[5] ?? "<NA>");
            Assert.Equal(s[1] == "<NA>", m[6] is null);
        }
    }

    [SkippableFact]
    public void A_corpus_capture_states_executable_inodes_and_capabilities()
    {
        Skip.If(Captures.Directory is null, "../shared/captures is absent");
        string path = Path.Combine(Captures.Directory!, "libs_sample.scap");
        Dictionary<ulong, string?[]> mine = FieldDifferentialTests.Read(path, ["proc.exe_ino", "thread.cap_effective", "user.uid"]);
        Assert.Contains(mine.Values, v => v[0] is not null);
        Assert.Contains(mine.Values, v => v[2] == "0" && v[1]!.Contains("CAP_SYS_ADMIN", StringComparison.Ordinal));
    }
}
