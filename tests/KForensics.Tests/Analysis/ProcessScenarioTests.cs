using KForensics.Core.Analysis;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;
using KForensics.Tests.Scap.Writer;
using Xunit;

namespace KForensics.Tests.Analysis;

/// <summary>
/// What the corpus lacks, in a capture written for the purpose and read by the real sysdig too: CPU
/// samples that go backwards or jump past 100 ticks, a thread of another process in between, and a pid
/// used again after its process exited.
/// </summary>
public sealed class ProcessScenarioTests : IDisposable
{
    private const ulong T0 = 1_710_408_413_000_000_000;
    private readonly TempCapture _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write()
    {
        string path = _temp.PathOf("procs.scap");
        using ScapWriter writer = ScapWriter.Create(path);
        writer.AddThread(new ScapThread(100, 100, 1, "old", "/usr/bin/old"));
        writer.AddThread(new ScapThread(101, 100, 1, "old", "/usr/bin/old") { Flags = 1 });
        writer.AddThread(new ScapThread(200, 200, 1, "busy", "/usr/bin/busy") { Args = ["--spin"] });
        ulong t = T0;
        void Emit(long tid, ushort type, params object?[] values) => writer.WriteEvent(t += 1_000_000_000, tid, 0, type, values);

        Emit(200, EventIds.ProcinfoE, 1000UL, 50UL);          // first sample of the thread: 0
        Emit(101, EventIds.ProcinfoE, 7UL, 0UL);              // first sample of 101: 0
        Emit(100, EventIds.SyscallCloseE, 3L);
        Emit(100, EventIds.SyscallCloseX, -9L);               // EBADF: one error
        Emit(200, EventIds.ProcinfoE, 1030UL, 60UL);          // +40
        Emit(101, EventIds.ProcinfoE, 9UL, 1UL);              // +3
        Emit(100, EventIds.Procexit1E, 0L, 0L, (byte)0, (byte)0);
        Emit(200, EventIds.ProcinfoE, 1500UL, 60UL);          // +470, at most 100
        Emit(100, EventIds.SyscallCloseE, 4L);                // pid 100 again: a new process
        Emit(100, EventIds.SyscallCloseX, 0L);
        Emit(200, EventIds.ProcinfoE, 1400UL, 60UL);          // backwards: wraps, at most 100
        return path;
    }

    [SkippableFact]
    public void CpuErrorsAndReusedPidsFollowSysdig()
    {
        Skip.IfNot(SysdigProcess.Available, "sysdig is not installed");
        string path = Write();
        var view = new ProcessAggregator();
        view.Read(path, CancellationToken.None);
        IReadOnlyList<ScapProcess> rows = view.Rows(path);

        // The figures, per pid, are sysdig's.
        Dictionary<string, long> cpu = ChiselOracle.Table(path, "proc.name,proc.pid", "evt.type=procinfo", null, "thread.cpu");
        Dictionary<string, long> errors = ChiselOracle.Table(path, "proc.name,proc.pid", ProcessAggregator.ErrorFilter, null, "evt.count");
        Assert.Equal(cpu.Values.Sum(), rows.Sum(r => r.CpuTicks));
        Assert.Equal(cpu.Single(p => p.Key.EndsWith("\u0001200", StringComparison.Ordinal)).Value, rows.Single(r => r.ProcessId == 200).CpuTicks);
        Assert.Equal(errors.Values.Sum(), rows.Sum(r => r.Errors));
        Assert.Equal(240, rows.Single(r => r.ProcessId == 200).CpuTicks);
        Assert.Equal(TimeSpan.FromSeconds(2.4), rows.Single(r => r.ProcessId == 200).CpuTime);

        // pid 100 ran twice: the listed process that exited (with both its threads), then a new one.
        ScapProcess[] hundred = rows.Where(r => r.ProcessId == 100).ToArray();
        Assert.Equal(2, hundred.Length);
        Assert.True(hundred[0].InProcessList);
        Assert.True(hundred[0].Exited);
        Assert.Equal((3L, 2, 1L, 3L), (hundred[0].Events, hundred[0].Threads, hundred[0].Errors, hundred[0].CpuTicks));
        Assert.Equal("old", hundred[0].Name);
        Assert.False(hundred[1].InProcessList);
        Assert.False(hundred[1].Exited);
        Assert.Equal((2L, 1, 0L), (hundred[1].Events, hundred[1].Threads, hundred[1].Errors));

        // sysdig sees the same events per pid, and the new process as a thread it never saw start.
        string[] lines = SysdigProcess.Run("-r", path, "-p", "*%proc.pid %proc.name %evt.type").Lines.ToArray();
        Assert.Equal(hundred.Sum(r => r.Events), lines.Count(l => l.StartsWith("100 ", StringComparison.Ordinal)));
        Assert.Equal("100 <NA> close", lines[^1]);
        Assert.Equal("<NA>", hundred[1].Name);
        Assert.Equal("busy", rows.Single(r => r.ProcessId == 200).Name);
        Assert.Equal("/usr/bin/busy --spin", rows.Single(r => r.ProcessId == 200).CommandLine);
    }
}
