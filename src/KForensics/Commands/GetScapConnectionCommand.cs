using System.Management.Automation;
using KForensics.Core.Analysis;
using KForensics.Core.Scap.Fields;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>The network connections of captures with bytes each way, as sysdig's topconns chisel counts them.</summary>
[Cmdlet(VerbsCommon.Get, "ScapConnection", DefaultParameterSetName = PathSet)]
[OutputType(typeof(ScapConnection))]
public sealed class GetScapConnectionCommand : ScapViewCmdlet
{
    private protected override ScapView CreateView(Func<ScapFilterContext, bool>? filter) => new ConnectionAggregator(filter);
}
