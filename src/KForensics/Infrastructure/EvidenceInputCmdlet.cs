using System.Management.Automation;
using KForensics.Core.Evidence;

namespace KForensics.Infrastructure;

/// <summary>
/// The input shape of the cmdlets that take evidence files (Protect-, Unprotect-, Send-Evidence): -Path with
/// wildcards, strings by value and the Path of evidence records by property name; -LiteralPath for files from
/// Get-ChildItem (FullName, PSPath). Each file is handled as it arrives; a missing one is an error and the rest go on.
/// </summary>
public abstract class EvidenceInputCmdlet : PathInputCmdlet
{
    /// <summary>Files to handle, taken as written; binds FullName and PSPath of files from the pipeline.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>The files of this pipeline record, resolved; each miss is already written as an error.</summary>
    private protected IEnumerable<string> InputFiles() => InputPaths(LiteralPath);

    /// <summary>The custody manifest of <paramref name="file"/>: the one at <paramref name="manifestPath"/> when given, else the one beside the file.</summary>
    private protected CustodyManifest? ManifestFor(string file, string? manifestPath) => manifestPath is null
        ? CustodyManifestFile.Find(file)?.Manifest
        : CustodyManifestFile.TryRead(SessionState.Path.GetUnresolvedProviderPathFromPSPath(manifestPath));

    /// <summary>Progress of one file as bytes done against its length, for engine work that runs on the pipeline thread.</summary>
    private protected SynchronousProgress FileProgress(string activity, string file, long length, int id = 1)
        => new(done => WriteProgress(new ProgressRecord(id, activity, System.IO.Path.GetFileName(file))
        {
            PercentComplete = length <= 0 ? 100 : (int)Math.Clamp(100 * done / length, 0, 100),
            CurrentOperation = $"{done / (1 << 20)} of {length / (1 << 20)} MiB",
        }));

    private protected void CompleteProgress(string activity, int id = 1)
        => WriteProgress(new ProgressRecord(id, activity, "Done") { RecordType = ProgressRecordType.Completed });
}
