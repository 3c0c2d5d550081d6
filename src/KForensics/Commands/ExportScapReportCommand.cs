using System.Management.Automation;
using KForensics.Core.Evidence;
using KForensics.Core.Falco;
using KForensics.Core.Report;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Writes one self-contained HTML page about captures: their hashes, a summary, an activity timeline per
/// container and the tables of the views. -Path is the page written, as in the other Export- cmdlets;
/// the captures read come from -InputPath, -LiteralInputPath or the pipeline, and make one report.
/// </summary>
[Cmdlet(VerbsData.Export, "ScapReport", DefaultParameterSetName = InputPathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ScapReportFile))]
public sealed class ExportScapReportCommand : CaptureExportCmdlet
{
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

    /// <summary>Falco rules (Import-FalcoRule output, or rules files): the report gains a section of their alerts.</summary>
    [Parameter]
    [FalcoRuleSetTransformation]
    [ValidateNotNull]
    public FalcoRuleSet? Rule { get; set; }

    /// <summary>Emit the written page, hashed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override Task BeginProcessingAsync()
    {
        if (Filter is not null)
        {
            CheckFilter(Filter);
        }

        if (Rule is not null)
        {
            FalcoRuleErrors.ReportIfLoadedHere(this, Rule);
        }

        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync()
    {
        if (Sources.Count == 0)
        {
            // Every input was reported as an error already.
            return;
        }

        string target = ResolveTarget("HTML file", ErrorIds.ScapReportTargetIsInput, ErrorIds.ScapReportTargetExists);
        if (!ShouldProcess(target, $"Write a report of {string.Join(", ", Sources)}"))
        {
            return;
        }

        ScapReport report = Build();
        foreach (ReportCapture damaged in report.Captures.Where(c => c.Damage is not null))
        {
            WriteError(ScapErrors.ToErrorRecord(damaged.Damage!, "The report counts the events before the damaged block; the rest of the file cannot be read."));
        }

        if (ReportFile.TryWrite(this, report, target) && PassThru.IsPresent)
        {
            EvidenceFile written = await EvidenceFile.FromFileAsync(target, System.IO.Path.GetFileName(target), CancellationToken);
            WriteObject(new ScapReportFile(target, written.Length, written.Sha256, report.Title, [.. Sources], DateTime.UtcNow));
        }
    }

    // The cmdlet that gives each section's rows as objects, named under its title so a reader can go on at the prompt.
    private static readonly Dictionary<string, string> SectionCmdlets = new(StringComparer.Ordinal)
    {
        ["overview"] = "Get-ScapSummary",
        ["alerts"] = "Get-ScapAlert",
        ["containers"] = "Get-ScapContainer",
        ["commands"] = "Get-ScapCommand",
        ["processes"] = "Get-ScapProcess",
        ["connections"] = "Get-ScapConnection",
        ["files"] = "Get-ScapFileAccess",
    };

    private static ReportSectionSource NamedForItsCmdlet(ReportSectionSource section)
        => SectionCmdlets.TryGetValue(section.Id, out string? cmdlet)
            ? new ReportSectionSource(section.Id, section.Title, section.Layout, section.Description.TrimEnd('.') + " (" + cmdlet + ").", section.CreateView)
            : section;

    private ScapReport Build()
    {
        var options = new ScapReportOptions
        {
            Title = Title ?? (Sources.Count == 1 ? $"Capture report: {System.IO.Path.GetFileName(Sources[0])}" : $"Capture report: {Sources.Count} captures"),
            Filter = Filter,
            MaxRows = MaxRows,
            Generator = $"KForensics {ModuleVersion} (Export-ScapReport)",
            Sections = (Rule is null
                ? ReportSections.Views
                : [ReportSections.Views[0], ReportSections.FalcoAlerts(new FalcoEvaluator(Rule, new FalcoAlertOptions())), .. ReportSections.Views.Skip(1)])
                .Select(NamedForItsCmdlet).ToList(),
        };
        var progress = new StepProgress<ScapReportProgress>(this, "Export-ScapReport", p => (p.Capture,
            $"{p.Activity} {System.IO.Path.GetFileName(p.Capture)} ({p.Index + 1} of {p.Count})", p.PercentComplete, p.Capture));
        try
        {
            return ScapReportBuilder.Build(Sources, options, progress, CancellationToken);
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
