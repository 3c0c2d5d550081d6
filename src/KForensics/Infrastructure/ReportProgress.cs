using System.Diagnostics;
using System.Management.Automation;
using KForensics.Core.Report;

namespace KForensics.Infrastructure;

/// <summary>
/// Progress of a report as PowerShell progress records. The builder reports on the pipeline thread
/// (it reads synchronously there), so WriteProgress may be called directly; records are spaced out
/// so a fast read does not flood the host.
/// </summary>
internal sealed class ReportProgress : IProgress<ScapReportProgress>
{
    private const int ActivityId = 1;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly Cmdlet _cmdlet;
    private readonly Stopwatch _since = new();
    private string? _lastCapture;

    public ReportProgress(Cmdlet cmdlet)
    {
        _cmdlet = cmdlet;
    }

    public void Report(ScapReportProgress value)
    {
        bool next = !string.Equals(value.Capture, _lastCapture, StringComparison.Ordinal);
        if (!next && _since.IsRunning && _since.Elapsed < Interval)
        {
            return;
        }

        _lastCapture = value.Capture;
        _since.Restart();
        _cmdlet.WriteProgress(new ProgressRecord(ActivityId, "Export-ScapReport",
            $"{value.Activity} {Path.GetFileName(value.Capture)} ({value.Index + 1} of {value.Count})")
        {
            PercentComplete = value.PercentComplete,
            CurrentOperation = value.Capture,
        });
    }

    public void Complete()
    {
        // The stopwatch runs from the first record written: no record, nothing to complete.
        if (_since.IsRunning)
        {
            _cmdlet.WriteProgress(new ProgressRecord(ActivityId, "Export-ScapReport", "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
