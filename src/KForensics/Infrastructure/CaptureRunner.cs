using System.Collections.Concurrent;
using System.Management.Automation;
using KForensics.Core.Kubernetes;

namespace KForensics.Infrastructure;

/// <summary>
/// Runs pod work (captures, checkpoints) concurrently, at most the throttle limit at once, while the
/// pipeline thread writes their progress, narration, results and errors; the work's own threads never
/// touch the host.
/// </summary>
internal sealed class CaptureRunner<TWork, TResult>
{
    private readonly KubeCmdlet _cmdlet;
    private readonly IReadOnlyList<TWork> _targets;
    private readonly int _throttle;
    private readonly Func<TWork, string> _activity;
    private readonly Func<KubeOperationException, object, ErrorRecord> _toError;
    private readonly string _failureId;
    private readonly string _cleanupFailureId;
    private readonly string _cleanupAdvice;
    private readonly Func<TWork, object> _targetOf;
    private readonly ConcurrentQueue<(int Activity, CaptureProgress Progress)> _queue = new();

    public CaptureRunner(KubeCmdlet cmdlet, IReadOnlyList<TWork> targets, int throttle, Func<TWork, string> activity,
        Func<KubeOperationException, object, ErrorRecord> toError, string failureId, string cleanupFailureId, string cleanupAdvice, Func<TWork, object> targetOf)
    {
        _cleanupAdvice = cleanupAdvice;
        _targetOf = targetOf;
        _cmdlet = cmdlet;
        _targets = targets;
        _throttle = throttle;
        _activity = activity;
        _toError = toError;
        _failureId = failureId;
        _cleanupFailureId = cleanupFailureId;
    }

    public async Task RunAsync(Func<TWork, IProgress<CaptureProgress>, Task<TResult>> capture, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(_throttle);
        var pending = new Dictionary<Task<TResult>, (TWork Target, int Activity)>();
        for (int i = 0; i < _targets.Count; i++)
        {
            TWork target = _targets[i];
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

    private void Report(Task<TResult> done, TWork target, int activity)
    {
        _cmdlet.WriteProgress(new ProgressRecord(activity, _activity(target), "Done") { RecordType = ProgressRecordType.Completed });
        if (done.IsCompletedSuccessfully)
        {
            _cmdlet.WriteObject(done.Result);
        }
        else if (done.Exception?.InnerException is KubeOperationException e)
        {
            _cmdlet.WriteError(_toError(e, _targetOf(target)));
        }
        else if (done.Exception?.InnerException is KForensics.Core.Evidence.Storage.StorageException storage)
        {
            _cmdlet.WriteError(StorageErrors.ToErrorRecord(storage, _targetOf(target)));
        }
        else if (done.Exception?.InnerException is KForensics.Core.Evidence.Protection.ProtectionException protection)
        {
            _cmdlet.WriteError(ProtectionErrors.ToErrorRecord(protection, _targetOf(target)));
        }
        else if (done.Exception?.InnerException is Exception other && other is not OperationCanceledException)
        {
            _cmdlet.WriteError(new ErrorRecord(other, _failureId, ErrorCategory.NotSpecified, _targetOf(target)));
        }
    }

    private void Drain()
    {
        while (_queue.TryDequeue(out var item))
        {
            CaptureProgress p = item.Progress;
            TWork target = _targets[item.Activity - 1];
            if (p.CleanupFailure is KubeOperationException failure)
            {
                ErrorRecord cause = _toError(failure, _targetOf(target));
                _cmdlet.WriteError(ErrorRecords.WithAdvice(new ErrorRecord(failure, _cleanupFailureId, cause.CategoryInfo.Category, _targetOf(target))
                {
                    ErrorDetails = new ErrorDetails(p.Message),
                }, _cleanupAdvice));
            }
            else if (p.IsStep)
            {
                _cmdlet.WriteVerbose($"[{p.Namespace}/{p.Pod}] {p.Message}");
            }

            var record = new ProgressRecord(item.Activity, _activity(target), p.Message) { PercentComplete = Math.Clamp(p.PercentComplete, 0, 100) };
            if (p.SecondsLeft is int left)
            {
                record.SecondsRemaining = left;
            }

            _cmdlet.WriteProgress(record);
        }
    }

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
