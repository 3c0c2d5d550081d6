using KForensics.Core.Analysis;
using KForensics.Core.Falco;
using KForensics.Core.Scap.Fields;

namespace KForensics.Core.Report;

/// <summary>How a section lays out its rows.</summary>
public enum ReportLayout
{
    /// <summary>One table row per row object, one column per public property.</summary>
    Table,

    /// <summary>One object per capture (a summary): one line per property, one column per capture.</summary>
    KeyValue,
}

/// <summary>A section of the report fed by a view: a fresh view reads each capture, its rows become the section.</summary>
public sealed class ReportSectionSource
{
    public ReportSectionSource(string id, string title, ReportLayout layout, string description, Func<Func<ScapFilterContext, bool>?, ScapView> createView)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(title);
        ArgumentNullException.ThrowIfNull(createView);
        if (!id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw new ArgumentException($"A section id is letters, digits and dashes (it is an anchor in the page): '{id}'.", nameof(id));
        }

        Id = id;
        Title = title;
        Layout = layout;
        Description = description ?? string.Empty;
        CreateView = createView;
    }

    /// <summary>The section's anchor in the page (letters, digits and dashes).</summary>
    public string Id { get; }

    public string Title { get; }

    public ReportLayout Layout { get; }

    /// <summary>One sentence under the title: what the rows are and how they were counted.</summary>
    public string Description { get; }

    /// <summary>Makes the view for one capture from the user's compiled filter (null for every event).</summary>
    public Func<Func<ScapFilterContext, bool>?, ScapView> CreateView { get; }

    public override string ToString() => Title;
}

/// <summary>The view sections of the report, in page order, after the summary and the timeline.</summary>
public static class ReportSections
{
    /// <summary>A view joins the report with one line here; its rows' public properties become the columns.</summary>
    public static IReadOnlyList<ReportSectionSource> Views { get; } =
    [
        new("overview", "Overview", ReportLayout.KeyValue, "Sysdig Inspect's counts per category, as its wsysdig_summary chisel computes them.", f => new SummaryAggregator(f)),
        new("containers", "Containers", ReportLayout.Table, "The containers of the capture (the host is a row too) with their activity, as lscontainers and the topcontainers chisels show them.", f => new ContainerAggregator(f)),
        new("commands", "Executed commands", ReportLayout.Table, "Commands run, with user, container, ancestors and shell depth, as sysdig's spy_users chisel reports them.", f => new CommandView(f)),
        new("processes", "Processes", ReportLayout.Table, "The process table with the topprocs_cpu, topprocs_file, topprocs_net and topprocs_errors figures.", f => new ProcessAggregator(f)),
        new("connections", "Connections", ReportLayout.Table, "Network connections with the bytes each way, as sysdig's topconns counts them.", f => new ConnectionAggregator(f)),
        new("files", "Files", ReportLayout.Table, "Files opened, read and written, as sysdig's topfiles_bytes counts them, with the opens.", f => new FileAccessAggregator(f)),
    ];

    /// <summary>The report section of the alerts of <paramref name="evaluator"/>'s rules.</summary>
    public static ReportSectionSource FalcoAlerts(FalcoEvaluator evaluator)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        return new("alerts", "Falco alerts", ReportLayout.Table,
            $"The alerts {evaluator.ActiveRules.Count} Falco rules raise over the events, first match per event as current Falco decides it.",
            f => new FalcoAlertView(evaluator, string.Empty, f));
    }
}
