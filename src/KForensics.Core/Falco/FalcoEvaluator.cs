using System.Globalization;
using KForensics.Core.Filtering;
using KForensics.Core.Scap;

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
        var run = new CaptureRun(this, path);
        var queue = new Queue<FalcoAlert>();
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ScapFormatException(ScapErrorKind.ReadFailed, path, 0, 0, ex.Message, ex);
        }

        int sinceReport = 0;
        using ScapEventReader reader = Open(file, path, c =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (bytesRead is not null && ++sinceReport == 16384)
            {
                sinceReport = 0;
                bytesRead.Report(file.Position);
            }

            // An event that raised alerts is handed back, so its alerts leave before the next event is read.
            return run.Observe(c, queue);
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

    /// <summary>The compiled rules and outputs for one capture (compiled per capture: nothing is shared between readers).</summary>
    private sealed class CaptureRun
    {
        private readonly FalcoEvaluator _owner;
        private readonly string _path;
        private readonly Candidate[][] _byCode;
        private readonly Candidate[] _everyEvent;

        public CaptureRun(FalcoEvaluator owner, string path)
        {
            _owner = owner;
            _path = path;
            var candidates = owner.ActiveRules.Select(r => new Candidate(r)).ToArray();
            bool legacy = owner._options.Legacy031;
            _byCode = new Candidate[EventTable.Count][];
            _everyEvent = legacy ? candidates.Where(c => c.Rule.Legacy031Codes.Count == 0).ToArray() : [];
            for (int code = 0; code < _byCode.Length; code++)
            {
                _byCode[code] = legacy
                    ? candidates.Where(c => c.Rule.Legacy031Codes.Contains(code)).Concat(_everyEvent).ToArray()
                    : candidates.Where(c => c.Rule.CurrentCodes is null || c.Rule.CurrentCodes.Contains(code)).ToArray();
            }
        }

        /// <summary>Evaluates the event's candidates; true when it raised an alert.</summary>
        public bool Observe(ScapFilterContext c, Queue<FalcoAlert> queue)
        {
            if (c.Dropped || c.Hidden)
            {
                return false;
            }

            EventInfo info = c.Info;
            int code = info.Id;
            if (_owner._options.Legacy031 && !_owner._options.AllEvents && IsDropped(c, info))
            {
                return false;
            }

            bool raised = false;
            Candidate[] candidates = (uint)code < (uint)_byCode.Length ? _byCode[code] : _everyEvent;
            foreach (Candidate candidate in candidates)
            {
                if (!candidate.Matches(c))
                {
                    continue;
                }

                queue.Enqueue(candidate.Alert(c, _path));
                raised = true;
                if (!_owner._options.AllMatches)
                {
                    break;
                }
            }

            return raised;
        }

        private static bool IsDropped(ScapFilterContext c, EventInfo info)
        {
            if (info.Id <= EventIds.GenericX)
            {
                return FalcoEventTypes.IsLegacy031DroppedGeneric(OracleSyscallNames.Get(OracleSyscallNames.IdOf(c.Raw)));
            }

            return FalcoEventTypes.IsLegacy031DroppedCode(info);
        }
    }

    /// <summary>One rule compiled for one capture: its condition and its output.</summary>
    private sealed class Candidate
    {
        private readonly Func<ScapFilterContext, bool> _condition;
        private readonly (string Literal, Func<ScapFilterContext, string?>? Value, string? Key)[] _output;
        private readonly Func<ScapFilterContext, string?> _containerId;
        private readonly Func<ScapFilterContext, string?> _containerName;

        public Candidate(FalcoRule rule)
        {
            Rule = rule;
            _condition = FilterCompiler.Compile(rule.ExpandedCondition, ScapFieldBinder.Instance);
            FalcoOutputFormat format = FalcoOutputFormat.Parse(FalcoOutputFormat.WithContainerInfo(rule.Output));
            _output = format.Segments
                .Select(s => (s.Literal, s.Field is null ? null : FalcoFieldText.Bind(format.Format, s.Field), s.Field?.Text))
                .ToArray();
            _containerId = FalcoFieldText.Bind("container.id", "container.id");
            _containerName = FalcoFieldText.Bind("container.name", "container.name");
        }

        public FalcoRule Rule { get; }

        public bool Matches(ScapFilterContext c) => _condition(c);

        public FalcoAlert Alert(ScapFilterContext c, string path)
        {
            var text = new System.Text.StringBuilder();
            var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (literal, value, key) in _output)
            {
                text.Append(literal);
                if (value is null)
                {
                    continue;
                }

                string? v = value(c);
                text.Append(v ?? "<NA>");
                fields[key!] = v;
            }

            ulong ts = c.Raw.Timestamp;
            return new FalcoAlert(Rule, ScapTime.ToDateTime(ts), ts, text.ToString(), fields, c.Number, path, _containerId(c), _containerName(c));
        }
    }
}
