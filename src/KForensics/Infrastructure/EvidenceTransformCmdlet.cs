using System.Management.Automation;
using KForensics.Core.Evidence.Protection;

namespace KForensics.Infrastructure;

/// <summary>
/// The evidence cmdlets that turn each file into a new one beside it or in -OutputDirectory (Protect-, Unprotect-Evidence):
/// an existing file is replaced only with -Force.
/// </summary>
public abstract class EvidenceTransformCmdlet : EvidenceInputCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputDirectory { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// Turns each input file of this record into a new file: where its target (named by <paramref name="targetName"/>)
    /// may be written and ShouldProcess agrees to <paramref name="action"/>, <paramref name="work"/> runs with a
    /// progress bar over the file. A protection failure or a failed write is that file's error; the rest go on.
    /// </summary>
    private protected void TransformEachFile(string activity, Func<string, string> targetName, Func<string, string> action,
        Action<string, string, SynchronousProgress> work)
    {
        foreach (string source in InputFiles())
        {
            string? target = TargetFor(source, targetName);
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

    /// <summary>
    /// The file to write for <paramref name="input"/> (in -OutputDirectory when given), or null after writing
    /// EvidenceTargetExists when it exists and -Force is not given.
    /// </summary>
    private string? TargetFor(string input, Func<string, string> name)
    {
        string target = name(input);
        if (OutputDirectory is not null)
        {
            string directory = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutputDirectory);
            Directory.CreateDirectory(directory);
            target = System.IO.Path.Combine(directory, System.IO.Path.GetFileName(target));
        }

        if (File.Exists(target) && !Force)
        {
            WriteError(ErrorRecords.Create($"'{target}' exists; use -Force to replace it.", ErrorIds.EvidenceTargetExists, ErrorCategory.ResourceExists, target));
            return null;
        }

        return target;
    }
}
