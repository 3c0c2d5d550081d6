using KForensics.Core.Falco;
using KForensics.Core.Scap.Format;
using Xunit;

namespace KForensics.Tests.Falco;

/// <summary>
/// The event-type index (reference 2.1): which event codes a rule is a candidate for, in current
/// Falco's algebra (negation pushed to the checks, every code of a name, generic events for syscalls
/// without their own event, "all" = every code) and in 0.31.1's (not/!= invert within "all" = 2 and
/// up without old versions, unused codes and generic events; "all" stays "all").
/// </summary>
public sealed class FalcoEventTypeTests
{
    private static readonly HashSet<int> Every = Enumerable.Range(0, EventTable.Count).ToHashSet();

    /// <summary>0.31.1's "all types" as the reference defines it (filter.cpp:552).</summary>
    private static readonly HashSet<int> Legacy031All = EventTable.All
        .Where(e => e.Id >= 2 && e.IsSysdigKnown && (e.SysdigFlags & (EventFlags.OldVersion | EventFlags.Unused)) == 0)
        .Select(e => (int)e.Id).ToHashSet();

    private static HashSet<int> Named(params string[] names)
        => EventTable.All.Where(e => e.Id >= 2 && names.Contains(e.Name)).Select(e => (int)e.Id).ToHashSet();

    private static HashSet<int> LegacyNamed(params string[] names)
        => EventTable.All.Where(e => e.Id >= 2 && e.IsSysdigKnown && names.Contains(e.SysdigName)).Select(e => (int)e.Id).ToHashSet();

    private static HashSet<int> With(HashSet<int> set, params int[] more) => set.Concat(more).ToHashSet();

    private static HashSet<int> Except(HashSet<int> all, HashSet<int> set) => all.Where(c => !set.Contains(c)).ToHashSet();

    private static FalcoRule RuleFor(string condition)
    {
        FalcoRuleSet set = FalcoLoaderTests.Load(FalcoLoaderTests.Rule("r", condition));
        Assert.True(set.Errors.Count == 0, string.Join(" | ", set.Errors));
        return Assert.Single(set.Rules);
    }

    [Fact]
    public void Equals_names_every_code_of_the_type()
    {
        FalcoRule rule = RuleFor("evt.type = open and proc.name = cat");
        Assert.True(Named("open").Count >= 2, "open has enter and exit codes");
        Assert.Equal(["open"], rule.EventTypes);
        Assert.False(rule.AllEventTypes);

        // open has its own events: no generic event, plus the async event every syscall rule is indexed on.
        Assert.Equal(With(Named("open"), EventIds.AsynceventE).Order(), rule.CurrentCodes!.Order());
        Assert.Equal(LegacyNamed("open").Order(), rule.Legacy031Codes.Order());
    }

    [Fact]
    public void In_names_every_listed_type()
    {
        FalcoRule rule = RuleFor("evt.type in (open, openat, execve)");
        Assert.Equal(["execve", "open", "openat"], rule.EventTypes);
        Assert.Equal(With(Named("open", "openat", "execve"), EventIds.AsynceventE).Order(), rule.CurrentCodes!.Order());
        Assert.Equal(LegacyNamed("open", "openat", "execve").Order(), rule.Legacy031Codes.Order());
    }

    [Theory]
    [InlineData("evt.type != open")]
    [InlineData("not evt.type = open")]
    [InlineData("not evt.type in (open)")]
    public void Not_equal_and_not_invert(string condition)
    {
        FalcoRule rule = RuleFor(condition);
        Assert.False(rule.AllEventTypes);
        Assert.Equal(Except(Every, Named("open")).Order(), rule.CurrentCodes!.Order());
        Assert.Equal(Except(Legacy031All, LegacyNamed("open")).Order(), rule.Legacy031Codes.Order());
        Assert.DoesNotContain("open", rule.EventTypes);
        Assert.Contains("close", rule.EventTypes);
    }

    [Fact]
    public void And_intersects_or_unions()
    {
        FalcoRule both = RuleFor("(evt.type in (open, openat) or evt.type = close) and evt.type in (openat, close, read)");
        Assert.Equal(["close", "openat"], both.EventTypes);
        Assert.Equal(LegacyNamed("openat", "close").Order(), both.Legacy031Codes.Order());

        FalcoRule either = RuleFor("evt.type = open or evt.type = execve");
        Assert.Equal(["execve", "open"], either.EventTypes);
    }

    [Fact]
    public void Or_with_a_check_on_another_field_is_every_type()
    {
        FalcoRule rule = RuleFor("evt.type = open or proc.name = cat");
        Assert.True(rule.AllEventTypes);
        Assert.Empty(rule.EventTypes);
        Assert.Null(rule.CurrentCodes);
        Assert.Equal(Legacy031All.Order(), rule.Legacy031Codes.Order());
    }

    [Fact]
    public void A_rule_without_evt_type_is_every_type_but_0_31_1_leaves_out_generic_and_old_version_events()
    {
        FalcoRule rule = RuleFor("proc.name = cat and evt.dir = <");
        Assert.True(rule.AllEventTypes);
        Assert.Null(rule.CurrentCodes);
        Assert.Equal(Legacy031All.Order(), rule.Legacy031Codes.Order());
        Assert.DoesNotContain(EventIds.GenericE, rule.Legacy031Codes);
        Assert.DoesNotContain(EventIds.GenericX, rule.Legacy031Codes);
        Assert.DoesNotContain(rule.Legacy031Codes, c => (EventTable.Get(c).SysdigFlags & EventFlags.OldVersion) != 0);
    }

    [Fact]
    public void Negation_of_an_or_is_pushed_to_the_checks_now_but_stays_all_in_0_31_1()
    {
        // Current: not (A or B) = not A and not B = (every code but open) and every code.
        // 0.31.1: invert(open | all) = invert(all) = all.
        FalcoRule rule = RuleFor("not (evt.type = open or proc.name = cat)");
        Assert.Equal(Except(Every, Named("open")).Order(), rule.CurrentCodes!.Order());
        Assert.Equal(Legacy031All.Order(), rule.Legacy031Codes.Order());
    }

    [Fact]
    public void Negation_of_an_and_is_every_type_now_but_all_but_the_type_in_0_31_1()
    {
        // Current: not A or not B = (every code but open) or every code = every code.
        // 0.31.1: invert(open & all) = invert(open) = all but open.
        FalcoRule rule = RuleFor("not (evt.type = open and proc.name = cat)");
        Assert.True(rule.AllEventTypes);
        Assert.Null(rule.CurrentCodes);
        Assert.Equal(Except(Legacy031All, LegacyNamed("open")).Order(), rule.Legacy031Codes.Order());
    }

    [Fact]
    public void A_syscall_with_only_generic_events_is_indexed_on_the_generic_events()
    {
        // madvise has no event of its own: current Falco indexes the generic events; 0.31.1 finds no
        // type, so the rule is evaluated on every event (detect_madvise).
        FalcoRule rule = RuleFor("evt.type = madvise");
        Assert.Empty(Named("madvise"));
        Assert.Equal(new[] { (int)EventIds.GenericE, EventIds.GenericX, EventIds.AsynceventE }.Order(), rule.CurrentCodes!.Order());
        Assert.False(rule.AllEventTypes);
        Assert.Equal(["syscall"], rule.EventTypes);
        Assert.Empty(rule.Legacy031Codes);
    }
}
