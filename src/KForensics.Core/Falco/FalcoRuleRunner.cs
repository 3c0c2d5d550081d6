using KForensics.Core.Filtering;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Falco;

/// <summary>The active rules compiled for one capture (per capture: nothing is shared between readers), run on each event.</summary>
internal sealed class FalcoRuleRunner
{
    private readonly string _path;
    private readonly FalcoCandidate[][] _byCode;
    private readonly FalcoCandidate[] _everyEvent;
    private readonly bool _dropsEvents;
    private readonly bool _allMatches;
    private readonly Func<ScapFilterContext, string?> _containerId = ScapFieldBinder.Instance.BindText("container.id");
    private readonly Func<ScapFilterContext, string?> _containerName = ScapFieldBinder.Instance.BindText("container.name");

    public FalcoRuleRunner(FalcoEvaluator owner, string path)
    {
        _path = path;
        _dropsEvents = owner.Options.Legacy031 && !owner.Options.AllEvents;
        _allMatches = owner.Options.AllMatches;
        var candidates = owner.ActiveRules.Select(r => new FalcoCandidate(r)).ToArray();
        bool legacy = owner.Options.Legacy031;
        _byCode = new FalcoCandidate[EventTable.Count][];
        _everyEvent = legacy ? candidates.Where(c => c.Rule.Legacy031Codes.Count == 0).ToArray() : [];
        for (int code = 0; code < _byCode.Length; code++)
        {
            _byCode[code] = legacy
                ? candidates.Where(c => c.Rule.Legacy031Codes.Contains(code)).Concat(_everyEvent).ToArray()
                : candidates.Where(c => c.Rule.CurrentCodes is null || c.Rule.CurrentCodes.Contains(code)).ToArray();
        }
    }

    /// <summary>Evaluates the event's candidates; true when it raised an alert.</summary>
    public bool Observe(ScapFilterContext c, Action<FalcoAlert> raise)
    {
        if (c.Dropped || c.Hidden)
        {
            return false;
        }

        EventInfo info = c.Info;
        int code = info.Id;
        if (_dropsEvents && IsDropped(c, info))
        {
            return false;
        }

        bool raised = false;
        FalcoCandidate[] candidates = (uint)code < (uint)_byCode.Length ? _byCode[code] : _everyEvent;
        foreach (FalcoCandidate candidate in candidates)
        {
            if (!candidate.Matches(c))
            {
                continue;
            }

            raise(candidate.Alert(c, _path, _containerId(c), _containerName(c)));
            raised = true;
            if (!_allMatches)
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
            return FalcoEventTypes.IsLegacy031DroppedGeneric(SysdigSyscallNames.Get(SysdigSyscallNames.IdOf(c.Raw)));
        }

        return FalcoEventTypes.IsLegacy031DroppedCode(info);
    }
}

/// <summary>One rule compiled for one capture: its condition and its output.</summary>
internal sealed class FalcoCandidate
{
    private readonly Func<ScapFilterContext, bool> _condition;
    private readonly (string Literal, Func<ScapFilterContext, string?>? Value, string? Key)[] _output;

    public FalcoCandidate(FalcoRule rule)
    {
        Rule = rule;
        _condition = FilterCompiler.Compile(rule.ExpandedCondition, ScapFieldBinder.Instance);
        FalcoOutputFormat format = FalcoOutputFormat.Parse(FalcoOutputFormat.WithContainerInfo(rule.Output));
        _output = format.Segments
            .Select(s => (s.Literal, s.Field is null ? null : BindOrNull(format.Format, s.Field), s.Field?.Text))
            .ToArray();
    }

    /// <summary>
    /// An output field a capture cannot answer (it needs a live system) prints &lt;NA&gt;, as Falco prints a
    /// field without a value: the rule still alerts.
    /// </summary>
    private static Func<ScapFilterContext, string?> BindOrNull(string source, FieldReference field)
    {
        try
        {
            return ScapFieldBinder.Instance.BindText(source, field);
        }
        catch (FilterSyntaxException)
        {
            return static _ => null;
        }
    }

    public FalcoRule Rule { get; }

    public bool Matches(ScapFilterContext c) => _condition(c);

    public FalcoAlert Alert(ScapFilterContext c, string path, string? containerId, string? containerName)
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
        return new FalcoAlert(Rule, ScapTime.ToDateTime(ts), ts, text.ToString(), fields, c.Number, path, containerId, containerName);
    }
}
