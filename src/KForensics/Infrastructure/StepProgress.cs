using System.Diagnostics;
using System.Management.Automation;

namespace KForensics.Infrastructure;

/// <summary>
/// Progress of engine work that reports on the pipeline thread (it runs synchronously there, as a report or an
/// export does), so WriteProgress may be called directly. A record is written at each new step (a capture, a pass)
/// and otherwise at most every 250 ms, so a fast read does not flood the host.
/// </summary>
internal sealed class StepProgress<T> : IProgress<T>
{
    private const int ActivityId = 1;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly Cmdlet _cmdlet;
    private readonly string _activity;
    private readonly Func<T, (string Step, string Status, int PercentComplete, string CurrentOperation)> _describe;
    private readonly Stopwatch _since = new();
    private string? _lastStep;

    public StepProgress(Cmdlet cmdlet, string activity, Func<T, (string Step, string Status, int PercentComplete, string CurrentOperation)> describe)
    {
        _cmdlet = cmdlet;
        _activity = activity;
        _describe = describe;
    }

    public void Report(T value)
    {
        var (step, status, percent, current) = _describe(value);
        bool next = !string.Equals(step, _lastStep, StringComparison.Ordinal);
        if (!next && _since.IsRunning && _since.Elapsed < Interval)
        {
            return;
        }

        _lastStep = step;
        _since.Restart();
        _cmdlet.WriteProgress(new ProgressRecord(ActivityId, _activity, status) { PercentComplete = percent, CurrentOperation = current });
    }

    public void Complete()
    {
        // The stopwatch runs from the first record written: no record, nothing to complete.
        if (_since.IsRunning)
        {
            _cmdlet.WriteProgress(new ProgressRecord(ActivityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
