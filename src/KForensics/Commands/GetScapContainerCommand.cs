using System.Management.Automation;
using KForensics.Core.Analysis;
using KForensics.Core.Scap.Fields;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>The containers of captures (and the host) with image, pod and activity, as lscontainers and topcontainers_* report them.</summary>
[Cmdlet(VerbsCommon.Get, "ScapContainer", DefaultParameterSetName = PathSet)]
[OutputType(typeof(ScapContainer))]
public sealed class GetScapContainerCommand : ScapViewCmdlet
{
    private protected override ScapView CreateView(Func<ScapFilterContext, bool>? filter) => new ContainerAggregator(filter);
}
