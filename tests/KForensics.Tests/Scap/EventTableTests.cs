using KForensics.Core.Scap.Format;
using Xunit;

namespace KForensics.Tests.Scap;

public sealed class EventTableTests
{
    [Fact]
    public void EverySyscallIdHasACategoryAndAName()
    {
        // The two generic-syscall tables are indexed by the same id; a missing row would shift every later one.
        Assert.Equal(SysdigSyscallNames.Count, SysdigSyscallCategories.Count);
        Assert.Equal("<unknown>", SysdigSyscallNames.Get(0));
        Assert.Equal(EventCategory.Other, SysdigSyscallCategories.Get(0));
    }

    [SkippableFact]
    public void OracleViewAgreesWithSysdigListing()
    {
        Skip.If(SysdigRunner.Executable is null, "sysdig is not installed");
        string[] listed = SysdigRunner.Run("-L").Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // sysdig -L walks its table in id order and leaves out unused, old and internal events.
        var expected = new List<string>();
        foreach (EventInfo info in EventTable.All)
        {
            if (!info.IsSysdigKnown
                || (info.SysdigFlags & (EventFlags.Unused | EventFlags.OldVersion)) != 0
                || info.SysdigCategory == EventCategory.Internal)
            {
                continue;
            }

            string args = string.Join(", ", info.SysdigParams.Select(p => $"{OracleTypeName(p.Type)} {p.Name}"));
            expected.Add($"{info.Direction} {info.SysdigName}({args})");
        }

        Assert.Equal(listed.Length, expected.Count);
        for (int i = 0; i < listed.Length; i++)
        {
            Assert.Equal(listed[i], expected[i]);
        }
    }

    [Fact]
    public void OracleKnowsExactlyTheFirst336Ids()
    {
        Assert.Equal(EventIds.Max, EventTable.Count);
        Assert.All(EventTable.All, e => Assert.Equal(e.Id < EventIds.SysdigMax, e.IsSysdigKnown));
        Assert.All(EventTable.All.Where(e => e.IsSysdigKnown), e => Assert.Equal(e.SysdigParamCount, e.SysdigParams.Count));
    }

    [Fact]
    public void LookupsCoverEveryVersion()
    {
        Assert.Equal(EventIds.SyscallOpenatX, EventTable.Get(EventIds.SyscallOpenatX).Id);
        Assert.Equal("openat", EventTable.Get(EventIds.SyscallOpenat_2X).Name);
        Assert.Equal("openat2", EventTable.Get(EventIds.SyscallOpenat2X).Name);
        Assert.Contains(EventTable.ByName("execve"), e => e.Id == EventIds.SyscallExecve19X);
        Assert.All(EventTable.ByName("execve"), e => Assert.Equal("execve", e.Name));
        Assert.Empty(EventTable.ByName("no-such-event"));
        Assert.Throws<ArgumentOutOfRangeException>(() => EventTable.Get(EventTable.Count));
        Assert.False(EventTable.TryGet(-1, out _));
        Assert.True(EventTable.TryGet(0, out EventInfo? first));
        Assert.Equal('>', first.Direction);
    }

    [Fact]
    public void LargePayloadEventsAreTheDocumentedOnes()
    {
        ushort[] large = EventTable.All.Where(e => e.Flags.HasFlag(EventFlags.LargePayload)).Select(e => e.Id).ToArray();
        Assert.Contains(EventIds.PlugineventE, large);
        Assert.Contains(EventIds.ContainerJson2E, large);
        Assert.Contains(EventIds.AsynceventE, large);
    }

    [Fact]
    public void RelativePathsNameAnFdParameter()
    {
        foreach (EventInfo info in EventTable.All)
        {
            foreach (ParamInfo p in info.Params.Where(p => p.Type == ParamType.FsRelPath))
            {
                Assert.InRange(p.DirFdIndex, 0, info.Params.Count - 1);
                Assert.Contains(info.Params[p.DirFdIndex].Type, new[] { ParamType.Fd, ParamType.Int64, ParamType.Fd32 });
            }
        }
    }

    // The type names sysdig 0.29.3 prints in its listing; types it does not know print as <NA>.
    private static string OracleTypeName(ParamType type) => type switch
    {
        ParamType.Dyn => "DYNAMIC",
        ParamType.CharBufPairArray => "CHARBUF_PAIR_ARRAY",
        ParamType.Ipv6Addr or ParamType.Ipv6Net or >= ParamType.EnumFlags8 => "<NA>",
        _ => type.ToString().ToUpperInvariant(),
    };
}
