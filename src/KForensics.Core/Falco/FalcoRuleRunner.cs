using KForensics.Core.Filtering;
using KForensics.Core.Scap;

namespace KForensics.Core.Falco;

/// <summary>The active rules compiled for one capture (per capture: nothing is shared between readers), run on each event.</summary>
internal sealed class FalcoRuleRunner
{
    private readonly FalcoEvaluator _owner;
    private readonly string _path;
    private readonly FalcoCandidate[][] _byCode;
    private readonly FalcoCandidate[] _everyEvent;

    public FalcoRuleRunner(FalcoEvaluator owner, string path)
    {
        _owner = owner;
        _path = path;
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
        if (_owner.Options.Legacy031 && !_owner.Options.AllEvents && IsDropped(c, info))
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

            raise(candidate.Alert(c, _path));
            raised = true;
            if (!_owner.Options.AllMatches)
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
internal sealed class FalcoCandidate
{
    private readonly Func<ScapFilterContext, bool> _condition;
    private readonly (string Literal, Func<ScapFilterContext, string?>? Value, string? Key)[] _output;
    private readonly Func<ScapFilterContext, string?> _containerId;
    private readonly Func<ScapFilterContext, string?> _containerName;

    public FalcoCandidate(FalcoRule rule)
    {
        Rule = rule;
        _condition = FilterCompiler.Compile(rule.ExpandedCondition, ScapFieldBinder.Instance);
        FalcoOutputFormat format = FalcoOutputFormat.Parse(FalcoOutputFormat.WithContainerInfo(rule.Output));
        _output = format.Segments
            .Select(s => (s.Literal, s.Field is null ? null : FalcoFieldText.BindOrNull(format.Format, s.Field), s.Field?.Text))
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
