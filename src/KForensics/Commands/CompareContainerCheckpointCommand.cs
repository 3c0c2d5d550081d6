using System.Management.Automation;
using KForensics.Core.Checkpoints.Inspection;
using KForensics.Core.Criu;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Compares two checkpoints: processes started and ended, command lines, states, memory, open files, sockets and filesystem changes.</summary>
[Cmdlet(VerbsData.Compare, "ContainerCheckpoint")]
[OutputType(typeof(CheckpointDifference))]
public sealed class CompareContainerCheckpointCommand : AsyncCmdlet
{
    /// <summary>The earlier checkpoint: a path, or an object with Path, Location, LocalPath or Checkpoint.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public object ReferenceCheckpoint { get; set; } = string.Empty;

    /// <summary>The later checkpoint: a path, or an object with Path, Location, LocalPath or Checkpoint.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [ValidateNotNull]
    public object DifferenceCheckpoint { get; set; } = string.Empty;

    /// <summary>Only these categories: Process, CommandLine, State, Memory, Environment, File, Socket, FileSystem.</summary>
    [Parameter]
    [ValidateSet("Process", "CommandLine", "State", "Memory", "Environment", "File", "Socket", "FileSystem")]
    public string[]? Category { get; set; }

    protected override async Task ProcessRecordAsync()
    {
        string? reference = Resolve(ReferenceCheckpoint, nameof(ReferenceCheckpoint));
        string? difference = Resolve(DifferenceCheckpoint, nameof(DifferenceCheckpoint));
        if (reference is null || difference is null)
        {
            return;
        }

        try
        {
            using CheckpointInspector a = await CheckpointInspector.OpenAsync(reference, withMemory: true, withFileChanges: true, CancellationToken);
            using CheckpointInspector b = await CheckpointInspector.OpenAsync(difference, withMemory: true, withFileChanges: true, CancellationToken);
            await foreach (CheckpointDifference d in CheckpointInspector.Compare(a, b, CancellationToken))
            {
                if (Category is null || Category.Contains(d.Category, StringComparer.OrdinalIgnoreCase))
                {
                    WriteObject(d);
                }
            }
        }
        catch (CheckpointInspectionException ex)
        {
            WriteError(CheckpointErrors.ToErrorRecord(ex, reference + " / " + difference));
        }
        catch (CriuImageException ex)
        {
            WriteError(CheckpointErrors.ToErrorRecord(ex, reference + " / " + difference));
        }
    }

    private string? Resolve(object value, string parameter)
    {
        string? path = CheckpointPaths.FromObject(value);
        if (path is null)
        {
            WriteError(ErrorRecords.Create(ErrorRecords.Format("-{0} is neither a path nor an object with a Path, Location, LocalPath or Checkpoint property.", parameter),
                ErrorIds.NotACheckpoint, ErrorCategory.InvalidArgument, value));
            return null;
        }

        string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            WriteError(ErrorRecords.PathNotFound(path));
            return null;
        }

        return full;
    }
}
