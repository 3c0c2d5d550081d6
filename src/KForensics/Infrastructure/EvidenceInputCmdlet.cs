using System.Management.Automation;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Protection;

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

    /// <summary>
    /// The file to write for <paramref name="input"/> (in <paramref name="outputDirectory"/> when given), or null
    /// after writing EvidenceTargetExists when it exists and <paramref name="force"/> is false.
    /// </summary>
    private protected string? TargetFor(string input, Func<string, string> name, string? outputDirectory, bool force)
    {
        string target = name(input);
        if (outputDirectory is not null)
        {
            string directory = SessionState.Path.GetUnresolvedProviderPathFromPSPath(outputDirectory);
            Directory.CreateDirectory(directory);
            target = System.IO.Path.Combine(directory, System.IO.Path.GetFileName(target));
        }

        if (File.Exists(target) && !force)
        {
            WriteError(ErrorRecords.Create($"'{target}' exists; use -Force to replace it.", ErrorIds.EvidenceTargetExists, ErrorCategory.ResourceExists, target));
            return null;
        }

        return target;
    }

    /// <summary>
    /// Turns each input file of this record into a new file: where its target (named by <paramref name="targetName"/>)
    /// may be written and ShouldProcess agrees to <paramref name="action"/>, <paramref name="work"/> runs with a
    /// progress bar over the file. A protection failure or a failed write is that file's error; the rest go on.
    /// </summary>
    private protected void TransformEachFile(string activity, Func<string, string> targetName, string? outputDirectory, bool force,
        Func<string, string> action, Action<string, string, SynchronousProgress> work)
    {
        foreach (string source in InputFiles())
        {
            string? target = TargetFor(source, targetName, outputDirectory, force);
            if (target is null || !ShouldProcess(target, action(source)))
            {
                continue;
            }

            try
            {
                work(source, target, FileProgress(activity, source, new FileInfo(source).Length));
            }
            catch (ProtectionException e)
            {
                WriteError(ProtectionErrors.ToErrorRecord(e, source));
            }
            catch (Exception e) when (StagedFile.IsWriteFailure(e))
            {
                WriteError(StagedFile.WriteFailed(target, ErrorIds.EvidenceWriteFailed, e));
            }
            finally
            {
                CompleteProgress(activity);
            }
        }
    }

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
