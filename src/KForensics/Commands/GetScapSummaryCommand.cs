using System.Management.Automation;
using KForensics.Core.Analysis;
using KForensics.Core.Filtering;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Sysdig Inspect's overview of captures, one object per capture, as its wsysdig_summary chisel counts it.</summary>
[Cmdlet(VerbsCommon.Get, "ScapSummary", DefaultParameterSetName = PathSet)]
[OutputType(typeof(ScapSummary))]
public sealed class GetScapSummaryCommand : ScapViewCmdlet
{
    private protected override ScapView CreateView(Func<ScapFilterContext, bool>? filter) => new SummaryAggregator(filter);
}
