using System.Management.Automation;
using KForensics.Core.Analysis;
using KForensics.Core.Scap.Fields;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>The files read and written in captures with their bytes, as sysdig's topfiles_bytes chisel counts them.</summary>
[Cmdlet(VerbsCommon.Get, "ScapFileAccess", DefaultParameterSetName = PathSet)]
[OutputType(typeof(ScapFileAccess))]
public sealed class GetScapFileAccessCommand : ScapViewCmdlet
{
    private protected override ScapView CreateView(Func<ScapFilterContext, bool>? filter) => new FileAccessAggregator(filter);
}
