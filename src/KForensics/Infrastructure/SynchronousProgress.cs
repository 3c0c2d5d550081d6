namespace KForensics.Infrastructure;

/// <summary>
/// An IProgress that reports on the calling thread, at most every 100 ms, for engine work that runs
/// synchronously on the pipeline thread (System.Progress would post to the pump and report late).
/// </summary>
internal sealed class SynchronousProgress : IProgress<long>
{
    private readonly Action<long> _report;
    private long _last = Environment.TickCount64 - 1000;

    public SynchronousProgress(Action<long> report) => _report = report;

    public void Report(long value)
    {
        long now = Environment.TickCount64;
        if (now - _last >= 100)
        {
            _last = now;
            _report(value);
        }
    }
}
