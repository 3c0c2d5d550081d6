using System.Management.Automation;
using KForensics.Core.Filtering;
using KForensics.Core.Kubernetes;
using KForensics.Core.Report;
using KForensics.Core.Scap;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Writes one self-contained HTML page about captures: their hashes, a summary, an activity timeline per
/// container and the tables of the views. -Path is the page written, as in the other Export- cmdlets;
/// the captures read come from -InputPath, -LiteralInputPath or the pipeline, and make one report.
/// </summary>
[Cmdlet(VerbsData.Export, "ScapReport", DefaultParameterSetName = InputPathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FileInfo))]
public sealed class ExportScapReportCommand : AsyncCmdlet
{
    private const string InputPathSet = "InputPath";
    private const string LiteralInputPathSet = "LiteralInputPath";
    private const string CaptureSet = "Capture";

    private readonly List<string> _sources = [];

    /// <summary>The HTML file to write.</summary>
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

    /// <summary>A sysdig filter every section is limited to.</summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(FilterCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Filter { get; set; }

    /// <summary>The page's title.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Title { get; set; }

    /// <summary>Rows per table at most.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxRows { get; set; } = 1000;

    /// <summary>Replace an existing file at -Path.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Emit the written file.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override Task BeginProcessingAsync()
    {
        if (Filter is not null)
        {
            try
            {
                ScapFieldBinder.Compile(Filter);
            }
            catch (FilterSyntaxException ex)
            {
                ThrowTerminatingError(FilterErrors.ToErrorRecord(ex));
            }
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
        if (!ShouldProcess(target, $"Write a report of {string.Join(", ", _sources)}"))
        {
            return Task.CompletedTask;
        }

        ScapReport report = Build();
        foreach (ReportCapture damaged in report.Captures.Where(c => c.Damage is not null))
        {
            WriteError(ScapErrors.ToErrorRecord(damaged.Damage!, "The report counts the events before the damaged block; the rest of the file cannot be read."));
        }

        ReportFile.Write(this, report, target);
        if (PassThru.IsPresent)
        {
            WriteObject(new FileInfo(target));
        }

        return Task.CompletedTask;
    }

    private void CheckTarget(string target)
    {
        if (Directory.Exists(target))
        {
            ThrowTerminatingError(ErrorRecords.Create($"'{target}' is a directory; -Path names the HTML file to write.",
                ErrorIds.PathIsDirectory, ErrorCategory.InvalidArgument, target));
        }

        if (_sources.Any(s => string.Equals(System.IO.Path.GetFullPath(s), target, StringComparison.Ordinal)))
        {
            ThrowTerminatingError(ErrorRecords.Create($"'{target}' is one of the captures read; write the report to another file.",
                ErrorIds.ScapReportTargetIsInput, ErrorCategory.InvalidArgument, target));
        }

        if (File.Exists(target) && !Force.IsPresent)
        {
            ThrowTerminatingError(ErrorRecords.Create($"'{target}' exists; use -Force to replace it.",
                ErrorIds.ScapReportTargetExists, ErrorCategory.ResourceExists, target));
        }
    }

    private ScapReport Build()
    {
        var options = new ScapReportOptions
        {
            Title = Title ?? (_sources.Count == 1 ? $"Capture report: {System.IO.Path.GetFileName(_sources[0])}" : $"Capture report: {_sources.Count} captures"),
            Filter = Filter,
            MaxRows = MaxRows,
            Generator = $"KForensics {MyInvocation.MyCommand.Module?.Version?.ToString() ?? typeof(ExportScapReportCommand).Assembly.GetName().Version?.ToString()} (Export-ScapReport)",
        };
        var progress = new ReportProgress(this);
        try
        {
            return ScapReportBuilder.Build(_sources, options, progress, CancellationToken);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            progress.Complete();
        }
    }
}
