using System.Management.Automation;
using KForensics.Core.Falco;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Loads Falco rules files (directories: their files in name order) into one rule set, with Falco's
/// semantics; each load error is a non-terminating error, each warning a warning, and the set of the
/// items that loaded is returned either way.
/// </summary>
[Cmdlet(VerbsData.Import, "FalcoRule", DefaultParameterSetName = PathSet)]
[OutputType(typeof(FalcoRuleSet))]
public sealed class ImportFalcoRuleCommand : PSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private readonly List<string> _files = [];

    /// <summary>Rules files or directories; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Rules files or directories, taken as written.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    protected override void ProcessRecord()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        _files.AddRange(PathResolver.Resolve(this, literal ? LiteralPath : Path, literal, directories: true));
    }

    protected override void EndProcessing()
    {
        if (_files.Count == 0)
        {
            return;
        }

        FalcoRuleSet set;
        try
        {
            set = FalcoRuleLoader.Load(_files);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(ex, ErrorIds.FalcoRuleReadFailed, ErrorCategory.ReadError, _files));
            return;
        }

        WriteVerbose($"Loaded {string.Join(", ", set.Files)}: {set}.");
        FalcoRuleErrors.Report(this, set);
        WriteObject(set);
    }
}
