using System.Collections.Concurrent;
using KForensics.Core.Falco;
using KForensics.Core.Filtering;
using KForensics.Core.Scap.Fields;
using KForensics.Tests.Scap;
using KForensics.Tests.Scap.Writer;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Falco;

/// <summary>
/// sysdig 0.29.3 as a stand-in for Falco's condition evaluation: for every rule of both stock rulesets
/// whose expanded condition sysdig compiles, and every capture of ../shared/captures, the events the
/// rule matches (every match, before first-match and dropping) are the events
/// <c>sysdig -r CAPTURE 'EXPANDED CONDITION'</c> prints, and the rule's output for each of them is
/// the line <c>sysdig -p '*OUTPUT'</c> prints (with <c>%container.info</c> written out as Falco does).
/// </summary>
public sealed class SysdigRuleDifferentialTests(ITestOutputHelper output)
{
    private const char Field = '\x1f';
    private const char Record = '\x1e';

    /// <summary>Linux caps one argument at 128 KiB; or-ed groups of conditions stay well below.</summary>
    private const int MaxGroupLength = 60_000;

    /// <summary>sysdig 0.29.3 cannot open this file; its twin without pcapng options holds the same events.</summary>
    private static readonly Dictionary<string, string> ReferenceFor = new(StringComparer.Ordinal)
    {
        ["libs_curl_google_comments.scap"] = "libs_curl_google.scap",
    };

    /// <summary>
    /// Where the module and sysdig differ for a reason outside the Falco code, by capture, rule and
    /// evt.num (0: every event of the rule on that capture), with the reason.
    /// </summary>
    internal static readonly Dictionary<(string Capture, string Rule, ulong Number), string> KnownDifferences = new();

    /// <summary>Two sysdig processes at a time for the whole run (the machine is shared).</summary>
    private static readonly SemaphoreSlim Sysdig = new(2);

    /// <summary>Per expanded condition: null when sysdig compiles it, else sysdig's error.</summary>
    private static readonly ConcurrentDictionary<string, string?> Compiles = new(StringComparer.Ordinal);

    private static readonly Lazy<IReadOnlyList<Check>> AllChecks = new(LoadChecks);

    /// <summary>
    /// sysdig answers fd.cip.name, fd.sip.name, fd.lip.name and fd.rip.name from live DNS lookups of
    /// the names in the condition (its DNS manager), not from the capture: the answer depends on the
    /// machine, and offline every lookup waits for the resolver's timeout. Rules using them are not compared.
    /// </summary>
    private static readonly System.Text.RegularExpressions.Regex LiveDns = new(@"\bfd\.[cslr]ip\.name\b");

    /// <summary>
    /// Output tokens the module's field binder cannot compute from a capture yet: the module prints
    /// &lt;NA&gt; for them (the rule still alerts), so sysdig's line is taken with &lt;NA&gt; in their
    /// place, and the tokens are listed. Found by asking the binder, so a field it learns is compared again.
    /// </summary>
    private static readonly ConcurrentDictionary<string, int> UncomputedTokens = new(StringComparer.Ordinal);

    /// <summary>The load errors of the stock rulesets: rules the comparison cannot cover yet.</summary>
    private static readonly ConcurrentBag<string> NotLoaded = [];

    public static TheoryData<string> Captures => CorpusDifferentialTests.Captures;

    [SkippableTheory]
    [MemberData(nameof(Captures))]
    public void Rule_matches_and_outputs_equal_sysdig(string file)
    {
        Skip.If(SharedCaptures.Directory is null, "../shared/captures is absent");
        Skip.If(FalcoRulesets.Directory is null, "../shared/falco is absent");
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");

        string path = Path.Combine(SharedCaptures.Directory!, file);
        string reference = Path.Combine(SharedCaptures.Directory!, ReferenceFor.GetValueOrDefault(file, file));
        IReadOnlyList<Check> checks = CompilableChecks();
        Dictionary<Check, Dictionary<ulong, string>> ours = Evaluate(path, checks);

        // Rules the module matches run alone (their events and outputs); the others run or-ed together,
        // split only where sysdig finds something, so that an empty answer clears a whole group.
        var sysdig = new ConcurrentDictionary<Check, Dictionary<ulong, string>>();
        var alone = checks.Where(c => ours[c].Count > 0).ToList();
        var groups = Groups(checks.Where(c => ours[c].Count == 0).ToList());
        var work = new ConcurrentQueue<List<Check>>(alone.Select(c => new List<Check> { c }).Concat(groups));
        RunAll(work, reference, sysdig);

        var problems = new List<string>();
        int agreeing = 0;
        int events = 0;
        foreach (Check check in checks)
        {
            Dictionary<ulong, string> mine = ours[check];
            Dictionary<ulong, string> theirs = sysdig.GetValueOrDefault(check) ?? [];
            events += theirs.Count;
            var differences = new List<string>();
            foreach (ulong n in mine.Keys.Union(theirs.Keys).Order())
            {
                if (Excused(file, check, n))
                {
                    continue;
                }

                bool inMine = mine.TryGetValue(n, out string? myText);
                bool inTheirs = theirs.TryGetValue(n, out string? theirText);
                if (!inMine || !inTheirs)
                {
                    differences.Add($"#{n} matched only by {(inMine ? "the module" : "sysdig")}");
                }
                else if (theirText is not null && myText != theirText)
                {
                    differences.Add($"#{n} output differs:\n      sysdig: {theirText}\n      module: {myText}");
                }
            }

            if (differences.Count == 0)
            {
                agreeing++;
                continue;
            }

            problems.Add($"{check}: {differences.Count} differences, e.g. {string.Join("; ", differences.Take(3))}");
        }

        foreach (string p in problems)
        {
            output.WriteLine(p);
        }

        output.WriteLine($"{file}: {checks.Count} compilable rules, {agreeing} agree with sysdig, {events} matches by sysdig, {alone.Count} rules matched by the module");
        Assert.Empty(problems);
    }

    [SkippableFact]
    public void Rules_sysdig_cannot_compile_are_listed()
    {
        Skip.If(SharedCaptures.Directory is null, "../shared/captures is absent");
        Skip.If(FalcoRulesets.Directory is null, "../shared/falco is absent");
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");
        CompilableChecks();
        foreach (var (token, rules) in UncomputedTokens.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"output token the module cannot compute yet (prints <NA>; sysdig's line taken with <NA>): %{token} in {rules} rules");
        }

        foreach (string error in NotLoaded.Order(StringComparer.Ordinal))
        {
            output.WriteLine($"not loaded, not compared: {error}");
        }

        foreach (var group in AllChecks.Value.GroupBy(c => c.Ruleset))
        {
            var live = group.Where(c => LiveDns.IsMatch(c.Condition)).ToList();
            var failing = group.Where(c => !LiveDns.IsMatch(c.Condition) && Compiles[c.Condition] is not null).ToList();
            output.WriteLine($"{group.Key}: {group.Count()} rules loaded, sysdig 0.29.3 compiles {group.Count() - failing.Count - live.Count}, "
                + $"{live.Count} not compared (live DNS fields)");
            foreach (Check c in live)
            {
                output.WriteLine($"  not compared, sysdig resolves its names through live DNS: {c.Rule}");
            }

            foreach (Check c in failing)
            {
                output.WriteLine($"  not compiled by sysdig: {c.Rule}: {Compiles[c.Condition]}");
            }

            // Both rulesets have rules in the sysdig dialect: a loader that mangled every condition would fail here.
            int compared = group.Count() - failing.Count - live.Count;
            Assert.True(compared > group.Count() / 2, $"{group.Key}: only {compared} conditions compile");
        }
    }

    private static bool Excused(string file, Check check, ulong number)
        => KnownDifferences.ContainsKey((file, check.Rule, number)) || KnownDifferences.ContainsKey((file, check.Rule, 0));

    /// <summary>The module's matches: every rule of the set enabled, every match kept, grouped by rule.</summary>
    private static Dictionary<Check, Dictionary<ulong, string>> Evaluate(string path, IReadOnlyList<Check> checks)
    {
        var result = checks.ToDictionary(c => c, _ => new Dictionary<ulong, string>());
        foreach (var bySet in checks.GroupBy(c => c.Set))
        {
            var byName = bySet.ToDictionary(c => c.Rule, StringComparer.Ordinal);
            var evaluator = new FalcoEvaluator(bySet.Key, new FalcoAlertOptions { AllMatches = true });
            foreach (FalcoAlert alert in evaluator.Evaluate(path, CancellationToken.None))
            {
                if (byName.TryGetValue(alert.Rule, out Check? check))
                {
                    result[check][alert.EventNumber] = alert.Output;
                }
            }
        }

        return result;
    }

    private static List<Check> CompilableChecks()
    {
        string probe = Path.Combine(SharedCaptures.Directory!, "falco_empty_v1.scap");
        var pending = new ConcurrentQueue<string>(AllChecks.Value.Where(c => !LiveDns.IsMatch(c.Condition)).Select(c => c.Condition)
            .Distinct(StringComparer.Ordinal).Where(c => !Compiles.ContainsKey(c)));
        Parallel.For(0, 2, _ =>
        {
            while (pending.TryDequeue(out string? condition))
            {
                SysdigRunner.Result r = RunSysdig("-r", probe, condition);
                Compiles[condition] = r.ExitCode == 0 ? null : (r.Error + r.Output).Trim();
            }
        });

        return AllChecks.Value.Where(c => !LiveDns.IsMatch(c.Condition) && Compiles[c.Condition] is null).ToList();
    }

    /// <summary>Groups of checks whose or-ed conditions fit one argument.</summary>
    private static List<List<Check>> Groups(List<Check> checks)
    {
        var groups = new List<List<Check>>();
        var current = new List<Check>();
        int length = 0;
        foreach (Check c in checks)
        {
            if (current.Count > 0 && length + c.Condition.Length + 6 > MaxGroupLength)
            {
                groups.Add(current);
                current = [];
                length = 0;
            }

            current.Add(c);
            length += c.Condition.Length + 6;
        }

        if (current.Count > 0)
        {
            groups.Add(current);
        }

        return groups;
    }

    /// <summary>
    /// Runs the work two at a time: a single check prints its events with its output; a group prints
    /// event numbers only, and is split in halves when sysdig matches anything in it.
    /// </summary>
    private static void RunAll(ConcurrentQueue<List<Check>> work, string capture, ConcurrentDictionary<Check, Dictionary<ulong, string>> results)
    {
        int busy = 0;
        Parallel.For(0, 2, _ =>
        {
            while (true)
            {
                if (!work.TryDequeue(out List<Check>? group))
                {
                    if (Volatile.Read(ref busy) == 0)
                    {
                        return;
                    }

                    Thread.Sleep(20);
                    continue;
                }

                Interlocked.Increment(ref busy);
                try
                {
                    if (group.Count == 1)
                    {
                        results[group[0]] = Matches(capture, group[0].Condition, group[0].SysdigOutput);
                        continue;
                    }

                    string filter = string.Join(" or ", group.Select(c => "(" + c.Condition + ")"));
                    if (Matches(capture, filter, null).Count == 0)
                    {
                        continue;
                    }

                    work.Enqueue(group[..(group.Count / 2)]);
                    work.Enqueue(group[(group.Count / 2)..]);
                }
                finally
                {
                    Interlocked.Decrement(ref busy);
                }
            }
        });
    }

    /// <summary>sysdig's events for a filter: evt.num to the printed output (null when no output was asked for).</summary>
    private static Dictionary<ulong, string> Matches(string capture, string filter, string? outputFormat)
    {
        string format = "*" + Record + "%evt.num" + (outputFormat is null ? string.Empty : Field + outputFormat);
        SysdigRunner.Result r = RunSysdig("-r", capture, "-p", format, filter);
        Assert.True(r.ExitCode == 0, $"sysdig failed on {Path.GetFileName(capture)}: {r.Error}");
        var result = new Dictionary<ulong, string>();
        foreach (string record in r.Output.Split(Record).Skip(1))
        {
            string text = record.EndsWith('\n') ? record[..^1] : record;
            int split = text.IndexOf(Field);
            ulong number = ulong.Parse(split < 0 ? text : text[..split], System.Globalization.CultureInfo.InvariantCulture);
            result[number] = split < 0 ? null! : text[(split + 1)..];
        }

        return result;
    }

    private static SysdigRunner.Result RunSysdig(params string[] arguments)
    {
        Sysdig.Wait();
        try
        {
            return SysdigRunner.Execute(arguments);
        }
        finally
        {
            Sysdig.Release();
        }
    }

    /// <summary>Both stock rulesets, every syscall rule enabled (disabled ones have conditions to check too).</summary>
    private static List<Check> LoadChecks()
    {
        var checks = new List<Check>();
        foreach (var (name, file) in new[] { ("falco-0.31.1", FalcoRulesets.Legacy031!), ("falco-rules-1.0.1", FalcoRulesets.Current!) })
        {
            FalcoRuleSet set = FalcoRuleLoader.Load([file]);
            foreach (FalcoLoadMessage error in set.Errors)
            {
                NotLoaded.Add($"{name}: {error}");
            }

            foreach (FalcoRule rule in set.Rules.Where(r => r.Source == FalcoRuleSet.SyscallSource))
            {
                rule.Enabled = true;
                string sysdigOutput = SysdigFormat(rule.Output);
                checks.Add(new Check(name, set, rule.Name, rule.ExpandedCondition, sysdigOutput));
            }
        }

        return checks;
    }

    /// <summary>The rule's output as a sysdig -p format: trimmed, %container.info written out, uncomputed tokens as &lt;NA&gt;.</summary>
    private static string SysdigFormat(string output)
    {
        // Falco trims the output (a folded YAML block ends with a newline sysdig would print).
        string format = output.Trim().Replace("%container.info", "%container.name (id=%container.id)", StringComparison.Ordinal);
        foreach (FieldReference field in FalcoOutputFormat.Parse(format).Fields)
        {
            try
            {
                ScapFieldBinder.Instance.BindText(format, field);
            }
            catch (FilterSyntaxException)
            {
                UncomputedTokens.AddOrUpdate(field.Text!, 1, (_, n) => n + 1);
                format = System.Text.RegularExpressions.Regex.Replace(format,
                    "%" + System.Text.RegularExpressions.Regex.Escape(field.Text!) + @"(?![A-Za-z0-9_.\[])", "<NA>");
            }
        }

        return format;
    }

    private sealed record Check(string Ruleset, FalcoRuleSet Set, string Rule, string Condition, string SysdigOutput)
    {
        public override string ToString() => $"{Ruleset} / {Rule}";
    }
}
