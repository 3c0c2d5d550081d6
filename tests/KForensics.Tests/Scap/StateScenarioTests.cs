using KForensics.Core.Scap;
using KForensics.Core.Scap.Format;
using Xunit;
using Xunit.Abstractions;
using static KForensics.Tests.Scap.CaptureBytes;

namespace KForensics.Tests.Scap;

/// <summary>
/// A written capture that walks the state tracker through what the corpus shows rarely or never
/// (relative paths after chdir, dup, a close racing a reuse of its fd number, fork + execve +
/// exit, sockets, pods from container labels), read by KForensics and by sysdig 0.29.3.
/// </summary>
public sealed class StateScenarioTests(ITestOutputHelper output)
{
    private const string ContainerHex = "3dea4b6b0b34c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f7081920a1b";
    private const uint CloneThread = 1u << 13, CloneFiles = 1u << 0;

    private static byte[] Process(long tid, long pid, string comm, string cwd, string cgroups, uint flags)
    {
        byte[] e = Concat(I64(tid), I64(pid), I64(1), I64(pid), I64(pid), Str16(comm), Str16("/usr/bin/" + comm), Str16("/usr/bin/" + comm),
            Str16(""), Str16(cwd), U64(1024), U32(flags), U32(0), U32(0), new byte[28], Str16(""), I64(tid), I64(pid), Str16(cgroups), Str16("/"));
        return Concat(U32((uint)e.Length + 4), e);
    }

    private static byte[] Tuple(byte[] sip, ushort sport, byte[] dip, ushort dport) => Concat([2], sip, U16(sport), dip, U16(dport));

    internal static byte[] Build()
    {
        string cgroups = "cpu=/docker/" + ContainerHex + "\0";
        var c = new CaptureBytes().Shb()
            .Block(BlockTypes.PlV9, Concat(
                Process(100, 100, "bash", "/home/u", cgroups, 0),
                Process(200, 200, "nginx", "/", "", 0),
                Process(201, 200, "nginx", "/", "", CloneThread | CloneFiles)))
            .Block(BlockTypes.FdlV2, Concat(I64(200), U32(4 + 8 + 8 + 1 + 4 + 2 + 14), I64(3), U64(9), [16], U32(1), Str16("/var/log/a.log")));
        ulong ts = 1_600_000_000_000_000_000;
        CaptureBytes E(ushort type, long tid, params byte[][] p) => c.Event(BlockTypes.EvV2, type, ts += 1000, tid, 1, 0, null, p);

        string json = "{\"container\":{\"id\":\"" + ContainerHex[..12] + "\",\"name\":\"web\",\"image\":\"nginx:1\",\"type\":0,"
            + "\"labels\":{\"io.kubernetes.pod.name\":\"web-0\",\"io.kubernetes.pod.namespace\":\"shop\"}}}";
        E(EventIds.ContainerJsonE, -1, Text(json));
        E(EventIds.SyscallChdirE, 100);
        E(EventIds.SyscallChdirX, 100, I64(0), Text("sub"));
        E(EventIds.SyscallOpenE, 100, Text("f.txt"), U32(1), U32(0));
        E(EventIds.SyscallOpenX, 100, I64(3), Text("f.txt"), U32(1), U32(0), U32(0));
        E(EventIds.SyscallDupE, 100, I64(3));
        E(EventIds.SyscallDupX, 100, I64(5));
        E(EventIds.SyscallReadE, 100, I64(5), U32(10));

        // Thread 201 closes fd 3 while thread 200 of the same process opens a file that gets number 3
        // (sysdig then loses the new fd at the next exit that touches it; the test follows it).
        E(EventIds.SyscallCloseE, 201, I64(3));
        E(EventIds.SyscallOpenE, 200, Text("/etc/hosts"), U32(1), U32(0));
        E(EventIds.SyscallOpenX, 200, I64(3), Text("/etc/hosts"), U32(1), U32(0), U32(0));
        E(EventIds.SyscallCloseX, 201, I64(0));
        E(EventIds.SyscallReadE, 200, I64(3), U32(10));

        E(EventIds.SocketSocketE, 100, U32(2), U32(1), U32(0));
        E(EventIds.SocketSocketX, 100, I64(6));
        E(EventIds.SocketConnectE, 100, I64(6), Concat([2], [10, 0, 0, 1], U16(80)));
        E(EventIds.SocketConnectX, 100, I64(0), Tuple([172, 17, 0, 2], 40000, [10, 0, 0, 1], 80));
        E(EventIds.SyscallReadE, 100, I64(6), U32(10));

        byte[] cg = System.Text.Encoding.UTF8.GetBytes(cgroups);
        E(EventIds.SyscallClone20X, 100, I64(300), Text("bash"), [], I64(100), I64(100), I64(1), Text(""), I64(1024), U64(0), U64(0),
            U32(0), U32(0), U32(0), Text("bash"), cg, U32(0), U32(0), U32(0), I64(100), I64(100));
        E(EventIds.SyscallExecve19E, 300, Text("/bin/cat"));
        E(EventIds.SyscallExecve19X, 300, I64(0), Text("cat"), "f.txt\0"u8.ToArray(), I64(300), I64(300), I64(100), Text(""), U64(1024),
            U64(0), U64(0), U32(0), U32(0), U32(0), Text("cat"), cg, [], U32(0), I64(300), U32(0));
        E(EventIds.SyscallReadE, 300, I64(3), U32(10));
        E(EventIds.SyscallReadE, 300, I64(6), U32(10));
        E(EventIds.Procexit1E, 300, I64(0), I64(0), [0], [0]);
        E(EventIds.SyscallReadE, 300, I64(3), U32(10));
        E(EventIds.SyscallReadE, 999, I64(0), U32(10));
        return c.ToArray();
    }

    [SkippableFact]
    public void The_state_tracker_agrees_with_sysdig_event_by_event()
    {
        Skip.If(SysdigOracle.Executable is null, "sysdig is not installed");
        string path = Path.Combine(Path.GetTempPath(), $"kf-state-{Guid.NewGuid():N}.scap");
        File.WriteAllBytes(path, Build());
        try
        {
            List<string[]> expected = CorpusDifferentialTests.Oracle(path);
            Dictionary<(ulong, ulong), ScapEvent> ours = CorpusDifferentialTests.Read(path);
            List<string> problems = CorpusDifferentialTests.Compare(expected, ours, _ => false);
            foreach (string[] s in expected)
            {
                ScapEvent e = ours[(ulong.Parse(s[0]), ulong.Parse(s[1]))];
                output.WriteLine(e.ToString());
                if (e.Info.TrimEnd() != s[10].TrimEnd())
                {
                    problems.Add($"#{s[0]} info: sysdig '{s[10]}' / ours '{e.Info}'");
                }
            }

            problems.ForEach(output.WriteLine);
            Assert.Empty(problems);
            Assert.Equal(expected.Count, ours.Count);

            // The scenario really exercised what it is about.
            Assert.Contains(ours.Values, e => e.FdName == "/home/u/sub/f.txt" && e.ThreadId == 100 && e.Type == "read");
            Assert.Contains(ours.Values, e => e.FdName == "/var/log/a.log" && e.ThreadId == 201 && e.Type == "close");
            Assert.Contains(ours.Values, e => e.FdName == "/home/u/sub/f.txt" && e.ThreadId == 300 && e.ProcessName == "cat");
            Assert.Contains(ours.Values, e => e.ProcessName == "cat" && e.PodName == "web-0" && e.Namespace == "shop" && e.ContainerName == "web");
            Assert.Contains(ours.Values, e => e.FdName == "172.17.0.2:40000->10.0.0.1:80");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
