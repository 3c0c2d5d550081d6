using System.Management.Automation;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Protection;
using KForensics.Core.Evidence.Storage;
using KForensics.Core.Scap.Export;
using KForensics.Core.Scap.Format;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Writes the events of captures that pass a filter to a new capture (.scap or .scap.gz) whose process
/// and fd lists hold only what those events use. -Path is the capture written, as in the other
/// Export- cmdlets; the captures read come from -InputPath, -LiteralInputPath or the pipeline.
/// </summary>
[Cmdlet(VerbsData.Export, "ScapEvent", DefaultParameterSetName = InputPathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ScapExportResult), typeof(ProtectedEvidence), typeof(SentEvidence))]
public sealed class ExportScapEventCommand : CaptureExportCmdlet, IDynamicParameters
{
    private readonly EvidenceDeliveryParameters _deliveryParameters = new();

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

    private EvidenceDelivery? _delivery;

    /// <summary>-Recipient, -Destination, -ConnectionString, -ManagedIdentityClientId and -BlobPrefix, declared once for every producing cmdlet.</summary>
    public object GetDynamicParameters() => _deliveryParameters;

    protected override async Task BeginProcessingAsync()
    {
        CheckFilter(Filter);
        _delivery = await EvidenceDelivery.CreateAsync(this, _deliveryParameters, CancellationToken);
    }

    protected override async Task EndProcessingAsync()
    {
        if (Sources.Count == 0)
        {
            // Every input was reported as an error already.
            return;
        }

        string plain = ResolveTarget("capture file", ErrorIds.ScapExportTargetIsInput, ErrorIds.ScapExportTargetExists);
        string target = _delivery!.EncryptedName(plain);
        if (target != plain && File.Exists(target) && !Force.IsPresent)
        {
            ThrowTerminatingError(ErrorRecords.Create($"'{target}' exists; use -Force to replace it.", ErrorIds.ScapExportTargetExists, ErrorCategory.ResourceExists, target));
        }

        string name = target == plain ? plain : plain[..^EvidenceFileProtection.Extension.Length];
        bool gzip = Compress.IsPresent || name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        string action = $"Write the events matching '{Filter}' from {string.Join(", ", Sources)}"
            + (_delivery.Encrypts ? $", encrypted to {string.Join(", ", _delivery.Recipients)}" : string.Empty)
            + (_delivery.Destination is null ? string.Empty : $", and send it to {_delivery.Destination.Url}");
        if (!ShouldProcess(target, action))
        {
            return;
        }

        DateTime start = DateTime.UtcNow;
        var progress = new StepProgress<ScapExportProgress>(this, "Export-ScapEvent", p => (p.Pass + ":" + p.Index,
            $"{(p.Pass == 1 ? "Collecting the threads, files and containers of" : "Writing the events of")} {System.IO.Path.GetFileName(p.Capture)} ({p.Index + 1} of {p.Count})",
            p.PercentComplete, p.Capture));
        object? made;
        try
        {
            made = _delivery.Encrypts ? await ExportEncryptedAsync(target, System.IO.Path.GetFileName(name), gzip, start, progress) : await ExportAsync(target, gzip, progress);
        }
        finally
        {
            progress.Complete();
        }

        if (made is null)
        {
            // The write failed; its error is written.
            return;
        }

        if (_delivery.Destination is null)
        {
            WriteObject(made);
            return;
        }

        CustodyManifest? manifest = made is ProtectedEvidence p ? CustodyManifestFile.TryRead(p.ManifestPath)
            : made is ScapExportResult r ? Provenance(r.Path, r.Bytes, r.Sha256, r.EventCount, start) : null;
        if (await _delivery.SendAsync(this, target, manifest, ModuleVersion, CancellationToken) is SentEvidence sent)
        {
            WriteObject(sent);
        }
    }

    private async Task<ProtectedEvidence?> ExportEncryptedAsync(string target, string plainName, bool gzip, DateTime start, IProgress<ScapExportProgress> progress)
    {
        try
        {
            if (!StagedFile.TryWrite(this, target, ErrorIds.ScapExportWriteFailed, stream =>
                {
                    using var encrypted = new ProtectedWriteStream(stream, _delivery!.Recipients, plainName, start);
                    ScapExportSummary s = ScapExporter.Export(Sources, Filter, encrypted, gzip, IncludeEnterEvents.IsPresent, !NoStateEvents.IsPresent, CancellationToken, progress);
                    return (Summary: s, Digest: encrypted.Complete());
                }, out var written))
            {
                return null;
            }

            var (summary, digest) = written;
            CustodyManifest origin = Provenance(plainName, digest.PlaintextBytes, digest.PlaintextSha256, summary.EventCount, start);
            return EvidenceFileProtection.Record(target, digest, plainName, null, _delivery!.Recipients, origin, DateTime.UtcNow, CancellationToken);
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
    }

    // What the custody record says of an export: the captures, the filter and the events, from this host.
    private CustodyManifest Provenance(string name, long bytes, string sha256, long events, DateTime start) => new()
    {
        Kind = "scap-export",
        Tool = "KForensics Export-ScapEvent",
        ToolVersion = ModuleVersion,
        Operator = Environment.UserName,
        Workstation = Environment.MachineName,
        StartTimeUtc = start,
        EndTimeUtc = DateTime.UtcNow,
        AcquiredTimeUtc = DateTime.UtcNow,
        File = new ManifestFile { Name = System.IO.Path.GetFileName(name), Bytes = bytes, Sha256AtSource = sha256, Sha256 = sha256 },
        Source = new Dictionary<string, object?> { ["captures"] = Sources.ToArray(), ["filter"] = Filter, ["events"] = events },
    };

    private async Task<ScapExportResult?> ExportAsync(string target, bool gzip, IProgress<ScapExportProgress> progress)
    {
        try
        {
            // Written next to the target and moved over it at the end, so a failed export leaves no half file.
            if (!StagedFile.TryWrite(this, target, ErrorIds.ScapExportWriteFailed,
                    stream => ScapExporter.Export(Sources, Filter, stream, gzip, IncludeEnterEvents.IsPresent, !NoStateEvents.IsPresent, CancellationToken, progress),
                    out ScapExportSummary? summary))
            {
                return null;
            }

            EvidenceFile written = await EvidenceFile.FromFileAsync(target, System.IO.Path.GetFileName(target), CancellationToken);
            return new ScapExportResult(target, summary!, written.Length, written.Sha256, gzip, [.. Sources], Filter, IncludeEnterEvents.IsPresent, !NoStateEvents.IsPresent, DateTime.UtcNow);
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
            WriteError(StagedFile.WriteFailed(target, ErrorIds.ScapExportWriteFailed, ex));
            return null;
        }
    }
}
