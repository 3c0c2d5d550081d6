using System.Management.Automation;
using KForensics.Core.Analysis;
using KForensics.Core.Scap.Fields;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>The commands executed in captures, with user, container, ancestors and shell session, as sysdig's spy_users chisel reports them.</summary>
[Cmdlet(VerbsCommon.Get, "ScapCommand", DefaultParameterSetName = PathSet)]
[OutputType(typeof(ScapCommand))]
public sealed class GetScapCommandCommand : ScapViewCmdlet
{
    private protected override ScapView CreateView(Func<ScapFilterContext, bool>? filter) => new CommandView(filter);
}
