using System.Management.Automation;
using KForensics.Core.Filtering;

namespace KForensics.Infrastructure;

/// <summary>
/// What every cmdlet that reads captures shares: -Path (wildcards) / -LiteralPath with pipeline input,
/// -Filter compiled once before the first capture (a bad filter stops the command), and one call per
/// resolved file. No Core type appears in the type chain, so PowerShell can load the cmdlets before
/// KForensics.Core is resolved.
/// </summary>
public abstract class ScapInputCmdlet : AsyncCmdlet
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    private Func<ScapFilterContext, bool>? _filter;

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

    /// <summary>Reads one resolved capture file with the compiled filter (null without -Filter).</summary>
    private protected abstract void ReadCapture(string file, Func<ScapFilterContext, bool>? filter);

    protected override Task BeginProcessingAsync()
    {
        if (Filter is not null)
        {
            _filter = FilterErrors.CompileOrStop(this, Filter);
        }

        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (string file in PathResolver.Resolve(this, literal ? LiteralPath : Path, literal))
        {
            ReadCapture(file, _filter);
        }

        return Task.CompletedTask;
    }
}
