using System.Management.Automation;
using KForensics.Core.Filtering;
using KForensics.Core.Scap;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Reads sysdig/Falco captures (.scap, .scap.gz) and emits one ScapEvent per event, as sysdig prints them.</summary>
[Cmdlet(VerbsCommon.Get, "ScapEvent", DefaultParameterSetName = PathSet)]
[OutputType(typeof(ScapEvent))]
public sealed class GetScapEventCommand : AsyncCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>Capture files; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Capture files, taken as written (no wildcards).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>A sysdig filter, compiled once and applied inside the reader.</summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(FilterCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Filter { get; set; }

    /// <summary>Also emit what sysdig hides without -D: internal events and events of types sysdig 0.29.3 does not know.</summary>
    [Parameter]
    public SwitchParameter IncludeHidden { get; set; }

    private Func<ScapFilterContext, bool>? _filter;

    protected override Task BeginProcessingAsync()
    {
        if (Filter is not null)
        {
            try
            {
                _filter = ScapFieldBinder.Compile(Filter);
            }
            catch (FilterSyntaxException ex)
            {
                ThrowTerminatingError(FilterErrors.ToErrorRecord(ex));
            }
        }

        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (string file in PathResolver.Resolve(this, literal ? LiteralPath : Path, literal))
        {
            ReadCapture(file);
        }

        return Task.CompletedTask;
    }

    private void ReadCapture(string file)
    {
        try
        {
            using ScapEventReader reader = ScapEventReader.Open(file, IncludeHidden.IsPresent, _filter);

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
