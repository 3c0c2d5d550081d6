using System.Management.Automation;
using KForensics.Core.Evidence;
using KForensics.Core.Filtering;
using KForensics.Core.Scap;
using KForensics.Core.Scap.Export;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Writes the events of captures that pass a filter to a new capture (.scap or .scap.gz) whose process
/// and fd lists hold only what those events use. -Path is the capture written, as in the other
/// Export- cmdlets; the captures read come from -InputPath, -LiteralInputPath or the pipeline.
/// </summary>
[Cmdlet(VerbsData.Export, "ScapEvent", DefaultParameterSetName = InputPathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ScapExportResult))]
public sealed class ExportScapEventCommand : CaptureExportCmdlet
{
    /// <summary>The sysdig filter the exported events pass.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(FilterCompleter))]
    [ValidateNotNullOrEmpty]
    public string Filter { get; set; } = string.Empty;

    /// <summary>Also write the enter event of each exported exit whose enter the filter did not pass.</summary>
    [Parameter]
    public SwitchParameter IncludeEnterEvents { get; set; }

    /// <summary>Do not write the state-only events that keep exported threads' state as in the original.</summary>
    [Parameter]
    public SwitchParameter NoStateEvents { get; set; }

    /// <summary>Compress with gzip even when the name does not end in .gz.</summary>
    [Parameter]
    public SwitchParameter Compress { get; set; }

    protected override Task BeginProcessingAsync()
    {
        CheckFilter(Filter);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync()
    {
        if (Sources.Count == 0)
        {
            // Every input was reported as an error already.
            return;
        }

        string target = ResolveTarget("capture file", ErrorIds.ScapExportTargetIsInput, ErrorIds.ScapExportTargetExists);
        bool gzip = Compress.IsPresent || target.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        string action = $"Write the events matching '{Filter}' from {string.Join(", ", Sources)}";
        if (!ShouldProcess(target, action))
        {
            return;
        }

        WriteObject(await ExportAsync(target, gzip));
    }

    private async Task<ScapExportResult> ExportAsync(string target, bool gzip)
    {
        try
        {
            // Written next to the target and moved over it at the end, so a failed export leaves no half file.
            ScapExportSummary summary = StagedFile.Write(this, target, ErrorIds.ScapExportWriteFailed,
                stream => ScapExporter.Export(Sources, Filter, stream, gzip, IncludeEnterEvents.IsPresent, !NoStateEvents.IsPresent, CancellationToken));
            EvidenceFile written = await EvidenceFile.FromFileAsync(target, System.IO.Path.GetFileName(target), CancellationToken);
            return new ScapExportResult(target, summary, written.Length, written.Sha256, gzip, [.. Sources], Filter, IncludeEnterEvents.IsPresent, !NoStateEvents.IsPresent, DateTime.UtcNow);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (ScapFormatException ex)
        {
            ThrowTerminatingError(ErrorRecords.Create($"Cannot export from '{ex.File}': {ex.Message}",
                ErrorIds.ScapExportReadFailed, ErrorCategory.InvalidData, ex.File, ex));
            throw;
        }
        catch (Exception ex) when (StagedFile.IsWriteFailure(ex))
        {
            // Only reading the moved file back for its hash gets here; StagedFile maps its own failures.
            ThrowTerminatingError(StagedFile.WriteFailed(target, ErrorIds.ScapExportWriteFailed, ex));
            throw;
        }
    }
}
