using KForensics.Core.Analysis;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.State;

namespace KForensics.Core.Falco;

/// <summary>One alert as a report row.</summary>
public sealed record FalcoAlertRow(DateTime Time, string Priority, string Rule, string Container, string Output, ulong Event, string Capture);

/// <summary>
/// The alerts of a capture as a view, so that a report or a summary evaluates the rules in the same
/// pass as its other figures; it sees the events the user's filter selects.
/// </summary>
public sealed class FalcoAlertView : ScapView
{
    private readonly FalcoEvaluator _evaluator;
    private readonly string _source;
    private readonly List<FalcoAlert> _alerts = [];
    private FalcoRuleRunner? _runner;

    public FalcoAlertView(FalcoEvaluator evaluator, string source, Func<ScapFilterContext, bool>? userFilter)
        : base(userFilter)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        _evaluator = evaluator;
        _source = source;
    }

    public IReadOnlyList<FalcoAlert> Alerts => _alerts;

    /// <summary>Alerts per priority, every priority listed, most severe first.</summary>
    public IReadOnlyDictionary<string, long> CountByPriority()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (FalcoPriority p in Enum.GetValues<FalcoPriority>())
        {
            counts[p.ToString()] = _alerts.Count(a => a.Priority == p);
        }

        return counts;
    }

    private protected override void Begin(Inspector state, CaptureSpan span) => _runner = new FalcoRuleRunner(_evaluator, _source);

    private protected override void Observe(ScapFilterContext context) => _runner!.Observe(context, _alerts.Add);

    public override IEnumerable<object> RowObjects(string source)
        => _alerts.Select(a => (object)new FalcoAlertRow(a.Time, a.Priority.ToString(), a.Rule,
            a.ContainerName ?? a.ContainerId ?? string.Empty, a.Output, a.EventNumber, System.IO.Path.GetFileName(source)));
}
