using System.Globalization;
using KForensics.Core.Filtering;
using KForensics.Core.Scap;
using KForensics.Core.Scap.Fields;

namespace KForensics.Core.Falco;

/// <summary>Which rules of a set run, and how Falco treats the events (Get-ScapAlert's switches).</summary>
public sealed class FalcoAlertOptions
{
    /// <summary>Rules less severe than this are not run (Falco's <c>priority</c> setting).</summary>
    public FalcoPriority MinimumPriority { get; init; } = FalcoPriority.Debug;

    /// <summary>Wildcards (<c>*</c>, <c>?</c>) on rule names: those rules are not run.</summary>
    public IReadOnlyList<string> DisabledRules { get; init; } = [];

    /// <summary>Rules with any of these tags are not run.</summary>
    public IReadOnlyList<string> DisabledTags { get; init; } = [];

    /// <summary>When set, only rules with one of these tags run (untagged rules do not).</summary>
    public IReadOnlyList<string> EnabledTags { get; init; } = [];

    /// <summary>Every matching rule alerts on an event, not only the first (Falco's <c>rule_matching: all</c>).</summary>
    public bool AllMatches { get; init; }

    /// <summary>Falco 0.31.1's event-type index and its dropping of events (unless <see cref="AllEvents"/>).</summary>
    public bool Legacy031 { get; init; }

    /// <summary>With <see cref="Legacy031"/>: no event is dropped (Falco's <c>-A</c>).</summary>
    public bool AllEvents { get; init; }

    /// <summary>A sysdig filter: only the events it selects are evaluated.</summary>
    public string? Filter { get; init; }
}

/// <summary>
/// Runs a rule set's enabled syscall rules over captures with Falco's semantics: enter and exit
/// events both evaluated, candidates from the event-type index, first match per event.
/// </summary>
public sealed class FalcoEvaluator
{
    private readonly FalcoAlertOptions _options;

    public FalcoEvaluator(FalcoRuleSet rules, FalcoAlertOptions options)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        var disabled = options.DisabledRules.Select(p => new GlobPattern(p, ignoreCase: false)).ToArray();
        ActiveRules = rules.Rules
            .Where(r => r.Enabled && r.Source == FalcoRuleSet.SyscallSource && r.Priority <= options.MinimumPriority)
            .Where(r => options.EnabledTags.Count == 0 || r.Tags.Any(t => options.EnabledTags.Contains(t, StringComparer.Ordinal)))
            .Where(r => !disabled.Any(d => d.IsMatch(r.Name)))
            .Where(r => !r.Tags.Any(t => options.DisabledTags.Contains(t, StringComparer.Ordinal)))
            .OrderBy(r => r.Order)
            .ToArray();
        if (options.Filter is { } filter)
        {
            ScapFieldBinder.Compile(filter);
        }
    }

    /// <summary>The rules that run, in Falco's candidate order.</summary>
    public IReadOnlyList<FalcoRule> ActiveRules { get; }

    /// <summary>
    /// The alerts of one capture, in event order, as they are found. Throws ScapFormatException at
    /// damage, after the alerts before it.
    /// </summary>
    public IEnumerable<FalcoAlert> Evaluate(string path, CancellationToken cancellationToken, IProgress<long>? bytesRead = null)
    {
        var run = new FalcoRuleRunner(this, path);
        var queue = new Queue<FalcoAlert>();
        FileStream file = ScapEventReader.OpenFile(path);

        int sinceReport = 0;
        using ScapEventReader reader = Open(file, path, c =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (bytesRead is not null && ++sinceReport == Analysis.ScapView.ProgressInterval)
            {
                sinceReport = 0;
                bytesRead.Report(file.Position);
            }

            // An event that raised alerts is handed back, so its alerts leave before the next event is read.
            return run.Observe(c, queue.Enqueue);
        });

        while (reader.TryRead(out _))
        {
            while (queue.Count > 0)
            {
                yield return queue.Dequeue();
            }
        }

        while (queue.Count > 0)
        {
            yield return queue.Dequeue();
        }

        bytesRead?.Report(file.Length);
    }

    private ScapEventReader Open(FileStream file, string path, Func<ScapFilterContext, bool> observe)
    {
        try
        {
            return new ScapEventReader(file, path)
            {
                Observer = observe,
                Filter = _options.Filter is { } f ? ScapFieldBinder.Compile(f) : null,
            };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    internal FalcoAlertOptions Options => _options;
}
