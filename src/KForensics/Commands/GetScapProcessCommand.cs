using System.Management.Automation;
using KForensics.Core.Analysis;
using KForensics.Core.Scap.Fields;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>The process table of captures, with activity, threads, exit and the figures of sysdig's topprocs chisels.</summary>
[Cmdlet(VerbsCommon.Get, "ScapProcess", DefaultParameterSetName = PathSet)]
[OutputType(typeof(ScapProcess))]
public sealed class GetScapProcessCommand : ScapViewCmdlet
{
    private protected override ScapView CreateView(Func<ScapFilterContext, bool>? filter) => new ProcessAggregator(filter);
}
