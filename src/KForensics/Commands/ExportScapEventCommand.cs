using System.Management.Automation;
using System.Security.Cryptography;
using KForensics.Core.Filtering;
using KForensics.Core.Kubernetes;
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
public sealed class ExportScapEventCommand : AsyncCmdlet
{
    private const string InputPathSet = "InputPath";
    private const string LiteralInputPathSet = "LiteralInputPath";
    private const string CaptureSet = "Capture";

    private readonly List<string> _sources = [];

    /// <summary>The capture to write (.scap, or gzip when it ends in .gz or with -Compress).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("Destination")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Captures to read; wildcards allowed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputPathSet, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] InputPath { get; set; } = [];

    /// <summary>Captures to read, taken as written; binds FullName of files from the pipeline.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralInputPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralInputPath { get; set; } = [];

    /// <summary>Captures taken from a pod (Start-PodCapture, Get-PodCapture).</summary>
    [Parameter(Mandatory = true, ParameterSetName = CaptureSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public PodCapture[] Capture { get; set; } = [];

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

    /// <summary>Replace an existing file at -Path.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override Task BeginProcessingAsync()
    {
        try
        {
            ScapFieldBinder.Compile(Filter);
        }
        catch (FilterSyntaxException ex)
        {
            ThrowTerminatingError(FilterErrors.ToErrorRecord(ex));
        }

        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync()
    {
        if (ParameterSetName == CaptureSet)
        {
            foreach (PodCapture capture in Capture)
            {
                _sources.AddRange(PathResolver.Resolve(this, [capture.Path], literal: true));
            }
        }
        else
        {
            bool literal = ParameterSetName == LiteralInputPathSet;
            _sources.AddRange(PathResolver.Resolve(this, literal ? LiteralInputPath : InputPath, literal));
        }

        return Task.CompletedTask;
    }

    protected override Task EndProcessingAsync()
    {
        if (_sources.Count == 0)
        {
            // Every input was reported as an error already.
            return Task.CompletedTask;
        }

        string target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        CheckTarget(target);
        bool gzip = Compress.IsPresent || target.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        string action = $"Write the events matching '{Filter}' from {string.Join(", ", _sources)}";
        if (!ShouldProcess(target, action))
        {
            return Task.CompletedTask;
        }

        WriteObject(Export(target, gzip));
        return Task.CompletedTask;
    }

    private void CheckTarget(string target)
    {
        if (Directory.Exists(target))
        {
            ThrowTerminatingError(ErrorRecords.Create($"'{target}' is a directory; -Path names the capture file to write.",
                ErrorIds.PathIsDirectory, ErrorCategory.InvalidArgument, target));
        }

        if (_sources.Any(s => string.Equals(System.IO.Path.GetFullPath(s), target, StringComparison.Ordinal)))
        {
            ThrowTerminatingError(ErrorRecords.Create($"'{target}' is also read by this export; write to another file.",
                ErrorIds.ScapExportTargetIsInput, ErrorCategory.InvalidArgument, target));
        }

        if (File.Exists(target) && !Force.IsPresent)
        {
            ThrowTerminatingError(ErrorRecords.Create($"'{target}' exists; use -Force to replace it.",
                ErrorIds.ScapExportTargetExists, ErrorCategory.ResourceExists, target));
        }
    }

    private ScapExportResult Export(string target, bool gzip)
    {
        // Written next to the target and moved over it at the end, so a failed export leaves no half file.
        string staging = target + "." + Guid.NewGuid().ToString("N")[..8] + ".partial";
        try
        {
            ScapExportSummary summary;
            using (var stream = new FileStream(staging, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                summary = ScapExporter.Export(_sources, Filter, stream, gzip, IncludeEnterEvents.IsPresent, !NoStateEvents.IsPresent, CancellationToken);
            }

            File.Move(staging, target, overwrite: true);
            string sha;
            long bytes;
            using (FileStream written = File.OpenRead(target))
            {
                bytes = written.Length;
                sha = Convert.ToHexString(SHA256.HashData(written)).ToLowerInvariant();
            }

            return new ScapExportResult(target, summary, bytes, sha, gzip, [.. _sources], Filter, IncludeEnterEvents.IsPresent, !NoStateEvents.IsPresent, DateTime.UtcNow);
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
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(ErrorRecords.Create($"Cannot write '{target}': {ex.Message}",
                ErrorIds.ScapExportWriteFailed, ErrorCategory.WriteError, target, ex));
            throw;
        }
        finally
        {
            File.Delete(staging);
        }
    }
}
