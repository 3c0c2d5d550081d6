using System.Management.Automation;
using KForensics.Core.Filtering;
using KForensics.Core.Scap;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Reads sysdig/Falco captures (.scap, .scap.gz) and emits one ScapEvent per event, as sysdig prints them.</summary>
[Cmdlet(VerbsCommon.Get, "ScapEvent", DefaultParameterSetName = PathSet)]
[OutputType(typeof(ScapEvent))]
public sealed class GetScapEventCommand : ScapInputCmdlet
{
    /// <summary>Also emit what sysdig hides without -D: internal events and events of types sysdig 0.29.3 does not know.</summary>
    [Parameter]
    public SwitchParameter IncludeHidden { get; set; }

    private protected override void ReadCapture(string file, Func<ScapFilterContext, bool>? filter)
    {
        try
        {
            // The filter runs where sysdig runs it, so it selects the events sysdig selects.
            using ScapEventReader reader = ScapEventReader.Open(file, IncludeHidden.IsPresent, filter);

            // The capture is read on a second thread while this one feeds the pipeline.
            foreach (ScapEvent ev in ScapReadAhead.Read(reader, CancellationToken))
            {
                WriteObject(ev);
            }
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (ScapFormatException ex)
        {
            WriteError(ScapErrors.ToErrorRecord(ex, "The events before the damaged block were emitted; the rest of the file cannot be read."));
        }
    }
}
