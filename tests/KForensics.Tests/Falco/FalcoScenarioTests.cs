using KForensics.Core.Falco;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;
using KForensics.Tests.Scap.Writer;
using Xunit;

namespace KForensics.Tests.Falco;

/// <summary>
/// A capture written with the module's writer, evaluated with Falco's semantics (reference 2.1, 2.2):
/// first match in load order, enter and exit both evaluated, generic and old-version events, 0.31.1's
/// dropping (and -A), priorities, tags and disabled rules. Every expected count is worked out by hand
/// from the events below and the reference, in the comment beside it.
/// </summary>
public sealed class FalcoScenarioTests : IDisposable
{
    private const ulong T0 = 1_710_408_413_000_000_000;

    /// <summary>
    /// In load order (= candidate order). open_from_cat (Warning, tag file), dev_null (Informational, no
    /// evt.type, tag null), detect_madvise (Notice, a generic-only syscall, tag mem), any_cat (Debug,
    /// no evt.type, no tags), never (Error, matches nothing in the capture).
    /// </summary>
    private const string Rules = """
        - rule: open_from_cat
          desc: an open by cat
          condition: evt.type=open and proc.name=cat
          output: "cat opened (file=%fd.name dir=%evt.dir)"
          priority: WARNING
          tags: [file]
        - rule: dev_null
          desc: anything on /dev/null
          condition: fd.name=/dev/null
          output: "null device (type=%evt.type)"
          priority: INFO
          tags: [null, file]
        - rule: detect_madvise
          desc: madvise, a syscall without an event of its own
          condition: evt.type=madvise
          output: "madvise by %proc.name"
          priority: NOTICE
          tags: [mem]
        - rule: any_cat
          desc: every event of cat
          condition: proc.name=cat
          output: "cat did %evt.type"
          priority: DEBUG
        - rule: never
          desc: matches nothing here
          condition: evt.type=open and proc.name=nobody_here
          output: "never %proc.name"
          priority: ERROR
          tags: [file]
        """;

    private readonly TempCapture _temp = new();
    private readonly string _capture;
    private readonly FalcoRuleSet _rules = FalcoRuleLoader.LoadContent([("scenario.yaml", Rules)]);

    public FalcoScenarioTests()
    {
        Assert.Empty(_rules.Errors);
        _capture = _temp.PathOf("scenario.scap");
        Write(_capture);
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>
    /// cat (tid 100, /dev/null open as fd 3) and vi (tid 200), 13 events:
    /// cat: open /etc/hosts (enter, exit fd 4), read fd 3 (enter, exit), fstat fd 3 (enter, exit),
    /// madvise (generic enter, exit), close fd 4 (enter, exit), an old-version accept enter;
    /// vi: open /etc/hosts (enter, exit).
    /// </summary>
    private static void Write(string path)
    {
        int madvise = Enumerable.Range(0, SysdigSyscallNames.Count).First(i => SysdigSyscallNames.Get(i) == "madvise");
        using ScapWriter w = ScapWriter.Create(path);
        w.AddThread(new ScapThread(100, 100, 1, "cat", "cat") { Args = ["/etc/hosts"] });
        w.AddThread(new ScapThread(200, 200, 1, "vi", "vi"));
        w.AddFd(100, ScapFd.File(3, "/dev/null"));
        ulong t = T0;
        w.WriteEvent(t++, 100, 0, EventIds.SyscallOpenE, "/etc/hosts", 1u, 0u);
        w.WriteEvent(t++, 100, 0, EventIds.SyscallOpenX, 4L, "/etc/hosts", 1u, 0u, 0u);
        w.WriteEvent(t++, 100, 0, EventIds.SyscallReadE, 3L, 100u);
        w.WriteEvent(t++, 100, 0, EventIds.SyscallReadX, 0L, Array.Empty<byte>());
        w.WriteEvent(t++, 100, 0, EventIds.SyscallFstatE, 3L);
        w.WriteEvent(t++, 100, 0, EventIds.SyscallFstatX, 0L);
        w.WriteEvent(t++, 100, 0, EventIds.GenericE, (ushort)madvise, (ushort)28);
        w.WriteEvent(t++, 100, 0, EventIds.GenericX, (ushort)madvise);
        w.WriteEvent(t++, 100, 0, EventIds.SyscallCloseE, 4L);
        w.WriteEvent(t++, 100, 0, EventIds.SyscallCloseX, 0L);
        w.WriteEvent(t++, 100, 0, EventIds.SocketAcceptE);
        w.WriteEvent(t++, 200, 1, EventIds.SyscallOpenE, "/etc/hosts", 1u, 0u);
        w.WriteEvent(t++, 200, 1, EventIds.SyscallOpenX, 5L, "/etc/hosts", 1u, 0u, 0u);
    }

    private Dictionary<string, int> Counts(FalcoAlertOptions options)
    {
        var counts = _rules.Rules.ToDictionary(r => r.Name, _ => 0, StringComparer.Ordinal);
        foreach (FalcoAlert alert in new FalcoEvaluator(_rules, options).Evaluate(_capture, CancellationToken.None))
        {
            counts[alert.Rule]++;
        }

        return counts;
    }

    private static Dictionary<string, int> Expect(int openFromCat, int devNull, int madvise, int anyCat)
        => new(StringComparer.Ordinal) { ["open_from_cat"] = openFromCat, ["dev_null"] = devNull, ["detect_madvise"] = madvise, ["any_cat"] = anyCat, ["never"] = 0 };

    [Fact]
    public void Current_falco_first_match_with_enter_and_exit_events()
    {
        // open_from_cat: cat's open enter + exit = 2 (vi's opens match nothing).
        // dev_null: read and fstat on fd 3, enter + exit = 4.
        // detect_madvise: the generic enter + exit = 2.
        // any_cat: what is left of cat's 11 events: close enter + exit and the old-version accept = 3.
        Assert.Equal(Expect(2, 4, 2, 3), Counts(new FalcoAlertOptions()));
    }

    [Fact]
    public void All_matches_gives_every_rule_every_event_it_matches()
    {
        // any_cat now sees all 11 events of cat.
        Assert.Equal(Expect(2, 4, 2, 11), Counts(new FalcoAlertOptions { AllMatches = true }));
    }

    [Fact]
    public void Falco_0_31_1_drops_events_before_the_rules_see_them()
    {
        // Dropped without -A: read, fstat, close (EF_DROP_SIMPLE_CONS), the old accept (EF_OLD_VERSION),
        // madvise (its syscall-table entry). Only the opens remain: open_from_cat 2, the rest 0.
        Assert.Equal(Expect(2, 0, 0, 0), Counts(new FalcoAlertOptions { Legacy031 = true }));
    }

    [Fact]
    public void Falco_0_31_1_with_all_events_drops_nothing_but_keeps_its_index()
    {
        // -A: read and fstat reach dev_null (4); detect_madvise has an empty type set, so it is evaluated
        // on every event and matches the 2 generic ones; any_cat gets the close pair (2) but not the
        // old-version accept: 0.31.1's "all types" leaves old versions out.
        Assert.Equal(Expect(2, 4, 2, 2), Counts(new FalcoAlertOptions { Legacy031 = true, AllEvents = true }));
    }

    [Fact]
    public void Minimum_priority_leaves_out_less_severe_rules()
    {
        // Warning: open_from_cat (Warning) and never (Error) only.
        Assert.Equal(Expect(2, 0, 0, 0), Counts(new FalcoAlertOptions { MinimumPriority = FalcoPriority.Warning }));

        // Notice: detect_madvise too; dev_null (Informational) and any_cat (Debug) are out.
        Assert.Equal(Expect(2, 0, 2, 0), Counts(new FalcoAlertOptions { MinimumPriority = FalcoPriority.Notice }));

        // Informational: dev_null is back; any_cat still out.
        Assert.Equal(Expect(2, 4, 2, 0), Counts(new FalcoAlertOptions { MinimumPriority = FalcoPriority.Informational }));
    }

    [Fact]
    public void Enabled_tags_run_only_rules_with_one_of_them()
    {
        // null: dev_null only. file: open_from_cat, dev_null and never; untagged any_cat is off.
        Assert.Equal(Expect(0, 4, 0, 0), Counts(new FalcoAlertOptions { EnabledTags = ["null"] }));
        Assert.Equal(Expect(2, 4, 0, 0), Counts(new FalcoAlertOptions { EnabledTags = ["file"] }));
    }

    [Fact]
    public void Disabled_tags_turn_rules_off_and_their_events_fall_to_later_rules()
    {
        // mem off: the madvise pair falls to any_cat (3 + 2 = 5).
        Assert.Equal(Expect(2, 4, 0, 5), Counts(new FalcoAlertOptions { DisabledTags = ["mem"] }));

        // file off (open_from_cat, dev_null, never): any_cat takes the open pair, read and fstat: 3 + 2 + 4 = 9.
        Assert.Equal(Expect(0, 0, 2, 9), Counts(new FalcoAlertOptions { DisabledTags = ["file"] }));
    }

    [Fact]
    public void Disabled_rules_are_wildcards_on_the_name()
    {
        // *null matches dev_null: read and fstat fall to any_cat (3 + 4 = 7).
        Assert.Equal(Expect(2, 0, 2, 7), Counts(new FalcoAlertOptions { DisabledRules = ["*null"] }));

        // open_* matches open_from_cat: its pair falls to any_cat (3 + 2 = 5); "open" alone matches no name.
        Assert.Equal(Expect(0, 4, 2, 5), Counts(new FalcoAlertOptions { DisabledRules = ["open_*", "open"] }));

        // ?ev?r matches never, which matched nothing anyway; *_cat matches open_from_cat and any_cat.
        Assert.Equal(Expect(0, 4, 2, 0), Counts(new FalcoAlertOptions { DisabledRules = ["?ev?r", "*_cat"] }));
    }

    [Fact]
    public void Alerts_carry_the_event_and_the_output()
    {
        FalcoAlert[] alerts = new FalcoEvaluator(_rules, new FalcoAlertOptions()).Evaluate(_capture, CancellationToken.None)
            .Where(a => a.Rule == "open_from_cat").ToArray();

        // Events 1 and 2 of the file: the enter has no fd yet, the exit names the file.
        Assert.Equal([1UL, 2UL], alerts.Select(a => a.EventNumber));
        Assert.Equal(["cat opened (file=<NA> dir=>)", "cat opened (file=/etc/hosts dir=<)"], alerts.Select(a => a.Output));
        Assert.Equal(FalcoPriority.Warning, alerts[0].Priority);
        Assert.Equal(["file"], alerts[0].Tags);
        Assert.Equal(T0, alerts[0].Timestamp);
    }

    [SkippableFact]
    public void Every_rule_matches_the_events_sysdig_matches_in_the_scenario()
    {
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");
        var ours = new FalcoEvaluator(_rules, new FalcoAlertOptions { AllMatches = true }).Evaluate(_capture, CancellationToken.None)
            .GroupBy(a => a.Rule).ToDictionary(g => g.Key, g => g.Select(a => a.EventNumber).Order().ToArray(), StringComparer.Ordinal);
        foreach (FalcoRule rule in _rules.Rules)
        {
            SysdigRunner.Result r = SysdigRunner.Execute("-r", _capture, "-p", "*%evt.num", rule.ExpandedCondition);
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(r.Lines.Select(ulong.Parse).ToArray(), ours.GetValueOrDefault(rule.Name) ?? []);
        }
    }
}

/// <summary>Falco's own regression cases on its cat_write trace (reference 2.1 and 2.5).</summary>
public sealed class FalcoCatWriteTests
{
    private const string CatchallOrder = """
        - rule: open_dev_null
          desc: an open of /dev/null
          condition: evt.type=open and fd.name=/dev/null
          output: "open of /dev/null (%proc.name)"
          priority: INFO
        - rule: dev_null
          desc: anything on /dev/null
          condition: fd.name=/dev/null
          output: "/dev/null (%evt.type)"
          priority: INFO
        - rule: open_from_cat
          desc: an open by cat
          condition: evt.type=open and proc.name=cat
          output: "cat opened %fd.name"
          priority: WARNING
        """;

    private static Dictionary<string, int> Counts(FalcoAlertOptions options)
    {
        string path = Path.Combine(SharedCaptures.Directory!, "falco_cat_write.scap");
        FalcoRuleSet set = FalcoRuleLoader.LoadContent([("catchall_order.yaml", CatchallOrder)]);
        Assert.Empty(set.Errors);
        return new FalcoEvaluator(set, options).Evaluate(path, CancellationToken.None)
            .GroupBy(a => a.Rule).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    [SkippableFact]
    public void Catchall_order_current_falco_sees_every_event_of_the_trace()
    {
        Skip.If(SharedCaptures.Directory is null, "../shared/captures is absent");
        Dictionary<string, int> counts = Counts(new FalcoAlertOptions());

        // dev_null: fstat, read and close enter + exit = 6; the open exit of /dev/null went to open_dev_null (1).
        Assert.Equal(6, counts.GetValueOrDefault("dev_null"));
        Assert.Equal(1, counts.GetValueOrDefault("open_dev_null"));

        // open_from_cat: cat's 4 opens, enter + exit = 8, less the /dev/null exit that open_dev_null took first.
        Assert.Equal(7, counts.GetValueOrDefault("open_from_cat"));
    }

    [SkippableFact]
    public void Catchall_order_falco_0_31_1_drops_the_events_dev_null_would_match()
    {
        Skip.If(SharedCaptures.Directory is null, "../shared/captures is absent");
        Dictionary<string, int> counts = Counts(new FalcoAlertOptions { Legacy031 = true });
        Assert.Equal(0, counts.GetValueOrDefault("dev_null"));
        Assert.Equal(1, counts.GetValueOrDefault("open_dev_null"));
    }

    [SkippableFact]
    public void Open_from_cat_alerts_on_4_enters_and_4_exits_in_every_mode()
    {
        Skip.If(SharedCaptures.Directory is null, "../shared/captures is absent");
        string rule = "- rule: open_from_cat\n  desc: d\n  condition: evt.type=open and proc.name=cat\n  output: \"cat opened %fd.name\"\n  priority: WARNING\n";
        string path = Path.Combine(SharedCaptures.Directory!, "falco_cat_write.scap");
        FalcoRuleSet set = FalcoRuleLoader.LoadContent([("open_from_cat.yaml", rule)]);
        foreach (var options in new[] { new FalcoAlertOptions(), new FalcoAlertOptions { Legacy031 = true }, new FalcoAlertOptions { Legacy031 = true, AllEvents = true } })
        {
            FalcoAlert[] alerts = new FalcoEvaluator(set, options).Evaluate(path, CancellationToken.None).ToArray();
            Assert.Equal(8, alerts.Length);
            Assert.Equal(4, alerts.Count(a => a.Output == "cat opened <NA>"));
        }
    }
}
