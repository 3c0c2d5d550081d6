using System.Collections.Concurrent;
using System.Management.Automation;
using KForensics.Core.Kubernetes;

namespace KForensics.Infrastructure;

/// <summary>
/// Runs captures concurrently (at most the throttle limit at once) while the pipeline thread writes
/// their progress, narration, results and errors; a capture's own threads never touch the host.
/// </summary>
internal sealed class CaptureRunner
{
    private readonly KubeCmdlet _cmdlet;
    private readonly IReadOnlyList<PodTarget> _targets;
    private readonly int _throttle;
    private readonly ConcurrentQueue<(int Activity, CaptureProgress Progress)> _queue = new();

    public CaptureRunner(KubeCmdlet cmdlet, IReadOnlyList<PodTarget> targets, int throttle)
    {
        _cmdlet = cmdlet;
        _targets = targets;
        _throttle = throttle;
    }

    public async Task RunAsync(Func<PodTarget, IProgress<CaptureProgress>, Task<PodCapture>> capture, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(_throttle);
        var pending = new Dictionary<Task<PodCapture>, (PodTarget Target, int Activity)>();
        for (int i = 0; i < _targets.Count; i++)
        {
            PodTarget target = _targets[i];
            int activity = i + 1;
            var progress = new QueueProgress(_queue, activity);
            pending.Add(Task.Run(async () =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    return await capture(target, progress);
                }
                finally
                {
                    gate.Release();
                }
            }, CancellationToken.None), (target, activity));
        }

        // Every task is awaited to its end, even after Ctrl+C, so each capture pod's cleanup finishes
        // before the cmdlet returns. Once the pipeline is stopping, writes throw, so they stop too.
        while (pending.Count > 0)
        {
            await Task.WhenAny(Task.WhenAny(pending.Keys), Task.Delay(250, CancellationToken.None));
            Write(Drain);
            foreach (var done in pending.Keys.Where(t => t.IsCompleted).ToList())
            {
                var (target, activity) = pending[done];
                pending.Remove(done);
                Write(() => Report(done, target, activity));
            }
        }

        Write(Drain);
        if (_stopping)
        {
            throw new PipelineStoppedException();
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private bool _stopping;

    private void Write(Action write)
    {
        if (_stopping)
        {
            return;
        }

        try
        {
            write();
        }
        catch (PipelineStoppedException)
        {
            _stopping = true;
        }
    }

    private void Report(Task<PodCapture> done, PodTarget target, int activity)
    {
        _cmdlet.WriteProgress(new ProgressRecord(activity, Activity(target), "Done") { RecordType = ProgressRecordType.Completed });
        if (done.IsCompletedSuccessfully)
        {
            _cmdlet.WriteObject(done.Result);
        }
        else if (done.Exception?.InnerException is KubeOperationException e)
        {
            _cmdlet.WriteError(KubeCmdlet.ToErrorRecord(e, target.Name));
        }
        else if (done.Exception?.InnerException is Exception other && other is not OperationCanceledException)
        {
            _cmdlet.WriteError(new ErrorRecord(other, ErrorIds.CaptureFailed, ErrorCategory.NotSpecified, target.Name));
        }
    }

    private void Drain()
    {
        while (_queue.TryDequeue(out var item))
        {
            CaptureProgress p = item.Progress;
            PodTarget target = _targets[item.Activity - 1];
            if (p.CleanupFailure is KubeOperationException failure)
            {
                ErrorRecord cause = KubeCmdlet.ToErrorRecord(failure, target.Name);
                _cmdlet.WriteError(new ErrorRecord(failure, ErrorIds.CapturePodNotRemoved, cause.CategoryInfo.Category, target.Name)
                {
                    ErrorDetails = new ErrorDetails(p.Message),
                });
            }
            else if (p.IsStep)
            {
                _cmdlet.WriteVerbose($"[{p.Namespace}/{p.Pod}] {p.Message}");
            }

            var record = new ProgressRecord(item.Activity, Activity(target), p.Message) { PercentComplete = Math.Clamp(p.PercentComplete, 0, 100) };
            if (p.SecondsLeft is int left)
            {
                record.SecondsRemaining = left;
            }

            _cmdlet.WriteProgress(record);
        }
    }

    private static string Activity(PodTarget target) => $"Capturing {target.Namespace}/{target.Name} on {target.NodeName}";

    private sealed class QueueProgress : IProgress<CaptureProgress>
    {
        private readonly ConcurrentQueue<(int, CaptureProgress)> _queue;
        private readonly int _activity;

        public QueueProgress(ConcurrentQueue<(int, CaptureProgress)> queue, int activity)
        {
            _queue = queue;
            _activity = activity;
        }

        public void Report(CaptureProgress value) => _queue.Enqueue((_activity, value));
    }
}
