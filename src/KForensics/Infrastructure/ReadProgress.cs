using System.Management.Automation;

namespace KForensics.Infrastructure;

/// <summary>
/// Write-Progress for one capture being read on the pipeline thread: the share of the file read so far
/// (compressed bytes for .gz), at most every 100 ms, and a completed record at the end.
/// </summary>
internal sealed class ReadProgress : IProgress<long>
{
    private const int ActivityId = 1;
    private readonly Action<ProgressRecord> _write;
    private readonly string _activity;
    private readonly string _status;
    private readonly long _length;
    private readonly SynchronousProgress _throttle;
    private bool _written;

    public ReadProgress(Action<ProgressRecord> write, string activity, string file, Func<string>? operation = null)
    {
        _write = write;
        _activity = activity;
        _status = $"Reading {Path.GetFileName(file)}";
        _length = File.Exists(file) ? new FileInfo(file).Length : 0;
        _throttle = new SynchronousProgress(read =>
        {
            _written = true;
            _write(new ProgressRecord(ActivityId, _activity, _status)
            {
                PercentComplete = _length == 0 ? 100 : (int)Math.Clamp(read * 100 / _length, 0, 100),
                CurrentOperation = operation?.Invoke() ?? file,
            });
        });
    }

    public void Report(long value) => _throttle.Report(value);

    public void Complete()
    {
        if (_written)
        {
            _write(new ProgressRecord(ActivityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
