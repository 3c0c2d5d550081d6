using System.Management.Automation;
using KForensics.Core.Filtering;
using KForensics.Core.Scap;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;
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

    /// <summary>Fields to add to each event's Fields dictionary, as sysdig -p prints them (e.g. proc.aname[2], evt.arg.flags).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(FilterCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Field { get; set; }

    private List<KeyValuePair<string, Func<ScapFilterContext, string?>>>? _fields;

    protected override Task BeginProcessingAsync()
    {
        if (Field is { Length: > 0 })
        {
            // Bound once, before anything is read: a field that cannot be printed stops the command.
            _fields = new List<KeyValuePair<string, Func<ScapFilterContext, string?>>>(Field.Length);
            foreach (string name in Field)
            {
                try
                {
                    _fields.Add(new(name.TrimStart('%'), ScapFieldBinder.Instance.BindText(name)));
                }
                catch (FilterSyntaxException ex)
                {
                    ThrowTerminatingError(ErrorRecords.Create(ex, ErrorIds.FieldInvalid, ErrorCategory.InvalidArgument, name,
                        "Get-ScapField lists the fields; those with Computable false cannot be printed."));
                }
            }
        }

        return base.BeginProcessingAsync();
    }

    private protected override void ReadCapture(string file, Func<ScapFilterContext, bool>? filter, CaptureOutput output)
    {
        try
        {
            // The filter runs where sysdig runs it, so it selects the events sysdig selects.
            ScapEventReader reader;
            try
            {
                reader = _fields is null
                    ? ScapEventReader.Open(file, IncludeHidden.IsPresent, filter)
                    : ScapEventReader.Open(file, IncludeHidden.IsPresent, filter, _fields);
            }
            catch (Exception ex) when (ScapErrors.IsReadFailure(ex))
            {
                output.Error(ScapErrors.ReadFailed(file, ex, ErrorIds.ScapOpenFailed));
                return;
            }

            var progress = new ReadProgress(output.Progress, MyInvocation.MyCommand.Name, file);
            using (reader)
            {
                // The capture is read on a second thread while this one feeds the pipeline.
                int sinceReport = 0;
                try
                {
                    foreach (ScapEvent ev in ScapReadAhead.Read(reader, CancellationToken))
                    {
                        output.Object(ev);
                        if (++sinceReport == 4096)
                        {
                            sinceReport = 0;
                            progress.Report(reader.BytesRead);
                        }
                    }
                }
                finally
                {
                    progress.Complete();
                }
            }
        }
        catch (Exception ex) when (ScapErrors.IsReadFailure(ex))
        {
            output.Error(ScapErrors.ReadFailed(file, ex, ErrorIds.ScapReadFailed));
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (ScapFormatException ex)
        {
            output.Error(ScapErrors.ToErrorRecord(ex, "The events before the damaged block were emitted; the rest of the file cannot be read."));
        }
    }
}
