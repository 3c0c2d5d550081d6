namespace KForensics.Core.Report;

/// <summary>One line of the report's list of captures: provenance first, then what was read.</summary>
internal sealed class CaptureFacts
{
    public CaptureFacts(ReportCapture capture)
    {
        Name = capture.Name;
        Path = capture.Path;
        Sha256 = capture.Sha256;
        Bytes = capture.Length;
        CaptureActivity summary = capture.Timeline.Summary(capture.Path);
        FirstEvent = summary.FirstTime;
        LastEvent = summary.LastTime;
        Events = summary.Events;
        Status = capture.Damage is { } damage ? $"damaged at offset {damage.Offset}" : "complete";
    }

    public string Name { get; }

    public string Path { get; }

    public string Sha256 { get; }

    public long Bytes { get; }

    public DateTime? FirstEvent { get; }

    public DateTime? LastEvent { get; }

    public long Events { get; }

    public string Status { get; }
}
