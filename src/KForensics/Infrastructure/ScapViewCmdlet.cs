using System.Management.Automation;
using KForensics.Core.Filtering;
using KForensics.Core.Scap;

namespace KForensics.Infrastructure;

/// <summary>
/// The shared shape of the capture views (Get-ScapConnection, Get-ScapFileAccess): -Path/-LiteralPath
/// with pipeline input, -Filter, and one set of rows per capture, emitted when the capture is read.
/// Not generic over the row type: PowerShell loads the cmdlet types before KForensics.Core can be
/// resolved, so no Core type may appear in a cmdlet's base-type chain.
/// </summary>
public abstract class ScapViewCmdlet : AsyncCmdlet
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

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

    /// <summary>A sysdig filter; only events that pass it are counted, as with <c>sysdig -r F -c chisel FILTER</c>.</summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(FilterCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Filter { get; set; }

    private Func<ScapFilterContext, bool>? _filter;

    /// <summary>A fresh view for one capture.</summary>
    private protected abstract Core.Analysis.ScapView CreateView(Func<ScapFilterContext, bool>? filter);

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
        Core.Analysis.ScapView aggregator = CreateView(_filter);
        ScapFormatException? damage = null;
        try
        {
            aggregator.Read(file, CancellationToken);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (ScapFormatException ex)
        {
            damage = ex;
        }

        // A damaged capture still yields the rows of the events before the damage, then the error.
        foreach (object row in aggregator.RowObjects(file))
        {
            WriteObject(row);
        }

        if (damage is not null)
        {
            WriteError(ScapErrors.ToErrorRecord(damage, "The rows count the events before the damaged block; the rest of the file cannot be read."));
        }
    }
}
