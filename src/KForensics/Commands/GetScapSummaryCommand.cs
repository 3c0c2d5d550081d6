using System.Management.Automation;
using KForensics.Core.Analysis;
using KForensics.Core.Falco;
using KForensics.Core.Scap.Fields;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Sysdig Inspect's overview of captures, one object per capture, as its wsysdig_summary chisel counts it.</summary>
[Cmdlet(VerbsCommon.Get, "ScapSummary", DefaultParameterSetName = PathSet)]
[OutputType(typeof(ScapSummary))]
public sealed class GetScapSummaryCommand : ScapViewCmdlet
{
    private FalcoEvaluator? _evaluator;

    /// <summary>Falco rules (Import-FalcoRule output, or rules files): the summary also counts their alerts by priority.</summary>
    [Parameter]
    [FalcoRuleSetTransformation]
    [ValidateNotNull]
    public FalcoRuleSet? Rule { get; set; }

    protected override async Task BeginProcessingAsync()
    {
        await base.BeginProcessingAsync().ConfigureAwait(true);
        if (Rule is not null)
        {
            FalcoRuleErrors.ReportIfLoadedHere(this, Rule);
            _evaluator = new FalcoEvaluator(Rule, new FalcoAlertOptions());
        }
    }

    private protected override ScapView CreateView(Func<ScapFilterContext, bool>? filter) => new SummaryAggregator(filter);

    private protected override ScapView? CreateCompanion(string file, Func<ScapFilterContext, bool>? filter)
        => _evaluator is null ? null : new FalcoAlertView(_evaluator, file, filter);

    private protected override object CompleteRow(object row, ScapView companion)
        => ((ScapSummary)row).WithAlerts(((FalcoAlertView)companion).CountByPriority());
}
