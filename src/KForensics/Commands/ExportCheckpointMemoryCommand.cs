using System.Management.Automation;
using KForensics.Core.Checkpoints.Inspection;
using KForensics.Core.Criu;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Writes a checkpointed process's memory as an ELF core file that gdb opens, hashed as evidence.</summary>
[Cmdlet(VerbsData.Export, "CheckpointMemory", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CheckpointCoreFile))]
public sealed class ExportCheckpointMemoryCommand : AsyncCmdlet
{
    /// <summary>The checkpoint archive or directory.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Location", "LocalPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string Checkpoint { get; set; } = string.Empty;

    /// <summary>The process whose memory is written.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Pid")]
    public uint ProcessId { get; set; }

    /// <summary>The core file to write.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Replace an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override async Task ProcessRecordAsync()
    {
        string input = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Checkpoint);
        string target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (!File.Exists(input) && !Directory.Exists(input))
        {
            WriteError(ErrorRecords.PathNotFound(Checkpoint));
            return;
        }

        if (File.Exists(target) && !Force)
        {
            WriteError(CheckpointErrors.ToErrorRecord(new CheckpointInspectionException(CheckpointInspectionErrorKind.TargetExists,
                ErrorRecords.Format("'{0}' already exists; use -Force to replace it.", target), target), input));
            return;
        }

        if (!ShouldProcess(target, ErrorRecords.Format("Write the memory of process {0} of '{1}' as an ELF core file", ProcessId, input)))
        {
            return;
        }

        var progress = new ProgressRecord(2, "Writing checkpoint memory", target);
        try
        {
            using CheckpointInspector checkpoint = await CheckpointInspector.OpenAsync(input, withMemory: true, withFileChanges: false, CancellationToken);
            long total = Math.Max(1, checkpoint.MemoryProcesses(ProcessId).Sum(p => checkpoint.SavedMemory(p.ProcessId)));
            // The engine writes on pool threads: its reports are queued and written here, on the pipeline thread.
            var report = new QueuedProgress<long>();
            WriteObject(await report.RunAsync(checkpoint.ExportMemoryAsync(ProcessId, target, Force, report, CancellationToken), bytes =>
            {
                progress.PercentComplete = (int)Math.Min(100, bytes * 100 / total);
                WriteProgress(progress);
            }));
        }
        catch (CheckpointInspectionException ex)
        {
            WriteError(CheckpointErrors.ToErrorRecord(ex, input));
        }
        catch (CriuImageException ex)
        {
            WriteError(CheckpointErrors.ToErrorRecord(ex, input));
        }
        catch (Exception ex) when (StagedFile.IsWriteFailure(ex))
        {
            WriteError(StagedFile.WriteFailed(target, ErrorIds.CheckpointMemoryWriteFailed, ex));
        }
        finally
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }
}
