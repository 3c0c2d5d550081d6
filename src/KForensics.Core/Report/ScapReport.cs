using KForensics.Core.Scap.Format;

namespace KForensics.Core.Report;

/// <summary>What a report shows: the captures read, their timelines and the rows of every section.</summary>
public sealed class ScapReport
{
    internal ScapReport(string title, DateTime generatedAt, string generator, string? filter, int maxRows,
        IReadOnlyList<ReportCapture> captures, IReadOnlyList<ReportSection> sections)
    {
        Title = title;
        GeneratedAt = generatedAt;
        Generator = generator;
        Filter = filter;
        MaxRows = maxRows;
        Captures = captures;
        Sections = sections;
    }

    public string Title { get; }

    /// <summary>When the report was made (UTC).</summary>
    public DateTime GeneratedAt { get; }

    /// <summary>The tool and version that made it.</summary>
    public string Generator { get; }

    /// <summary>The sysdig filter every figure is limited to, or null.</summary>
    public string? Filter { get; }

    /// <summary>Rows shown per table at most.</summary>
    public int MaxRows { get; }

    public IReadOnlyList<ReportCapture> Captures { get; }

    /// <summary>The summary, the activity per container, then the view sections.</summary>
    public IReadOnlyList<ReportSection> Sections { get; }
}

/// <summary>One capture of a report: its provenance and what the timeline saw.</summary>
public sealed class ReportCapture
{
    internal ReportCapture(string path, long length, string sha256, ActivityTimeline timeline, ScapFormatException? damage)
    {
        Path = path;
        Length = length;
        Sha256 = sha256;
        Timeline = timeline;
        Damage = damage;
    }

    public string Path { get; }

    public string Name => System.IO.Path.GetFileName(Path);

    public long Length { get; }

    /// <summary>SHA-256 of the file as read, lowercase hex.</summary>
    public string Sha256 { get; }

    public ActivityTimeline Timeline { get; }

    /// <summary>Where reading stopped, when the capture is damaged; the figures count the events before it.</summary>
    public ScapFormatException? Damage { get; }
}

/// <summary>A titled section and its rows from every capture, in capture order.</summary>
public sealed class ReportSection
{
    internal ReportSection(string id, string title, ReportLayout layout, string description, IReadOnlyList<object> rows)
    {
        Id = id;
        Title = title;
        Layout = layout;
        Description = description;
        Rows = rows;
    }

    /// <summary>The section's anchor in the page.</summary>
    public string Id { get; }

    public string Title { get; }

    public ReportLayout Layout { get; }

    public string Description { get; }

    public IReadOnlyList<object> Rows { get; }
}

/// <summary>Where a report is: the capture being read, and bytes done of every capture's hashing and reading.</summary>
public readonly record struct ScapReportProgress(string Capture, int Index, int Count, string Activity, long Done, long Total)
{
    public int PercentComplete => Total <= 0 ? 0 : (int)Math.Clamp(Done * 100 / Total, 0, 100);
}
