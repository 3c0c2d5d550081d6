using System.Collections.Concurrent;
using System.Management.Automation;
using KForensics.Core.Scap.Fields;

namespace KForensics.Infrastructure;

/// <summary>
/// What every cmdlet that reads captures shares: -Path (wildcards) / -LiteralPath with pipeline input,
/// -Filter compiled once before the first capture (a bad filter stops the command), and one call per
/// resolved file. Several captures are read in parallel, up to -ThrottleLimit at a time, each on a worker
/// thread with its own compiled filter; the pipeline thread writes their output in the order the captures
/// were given. No Core type appears in the type chain, so PowerShell can load the cmdlets before
/// KForensics.Core is resolved.
/// </summary>
public abstract class ScapInputCmdlet : PathInputCmdlet
{
    private readonly List<string> _files = [];
    private Func<ScapFilterContext, bool>? _filter;

    /// <summary>Capture files, taken as written (no wildcards).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>A sysdig filter, compiled once and applied inside the reader.</summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(FilterCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Filter { get; set; }

    /// <summary>Captures read at the same time when several are given (default: the number of cores); 1 reads each as it arrives.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Reads one resolved capture file with the compiled filter (null without -Filter), sending what it
    /// produces to <paramref name="output"/>; runs on a worker thread when captures are read in parallel.
    /// </summary>
    private protected abstract void ReadCapture(string file, Func<ScapFilterContext, bool>? filter, CaptureOutput output);

    protected override Task BeginProcessingAsync()
    {
        if (Filter is not null)
        {
            _filter = FilterErrors.CompileOrStop(this, Filter);
        }

        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync()
    {
        foreach (string file in InputPaths(LiteralPath))
        {
            if (ThrottleLimit == 1)
            {
                ReadCapture(file, _filter, new CaptureOutput.Direct(this));
            }
            else
            {
                _files.Add(file);
            }
        }

        return Task.CompletedTask;
    }

    protected override Task EndProcessingAsync()
    {
        if (_files.Count == 1)
        {
            ReadCapture(_files[0], _filter, new CaptureOutput.Direct(this));
        }
        else if (_files.Count > 1)
        {
            ReadInParallel();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Reads up to ThrottleLimit captures at a time, started in the order given, each into a bounded queue
    /// of its own; the pipeline thread writes the queues in that order, so the output is the one of reading
    /// them one after the other, while the next captures are being read.
    /// </summary>
    private void ReadInParallel()
    {
        var queues = _files.Select(_ => new BlockingCollection<object>(boundedCapacity: 64)).ToArray();
        var failures = new ConcurrentQueue<Exception>();
        using var slots = new SemaphoreSlim(ThrottleLimit);
        var workers = new Task[_files.Count];
        Task dispatcher = Task.Run(() =>
        {
            for (int i = 0; i < _files.Count; i++)
            {
                int index = i;
                try
                {
                    slots.Wait(CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    for (int j = index; j < _files.Count; j++)
                    {
                        queues[j].CompleteAdding();
                        workers[j] = Task.CompletedTask;
                    }

                    return;
                }

                workers[index] = Task.Run(() => ReadQueued(index, queues[index], slots, failures));
            }
        });

        string activity = MyInvocation.MyCommand.Name;
        try
        {
            for (int i = 0; i < _files.Count; i++)
            {
                WriteProgress(new ProgressRecord(1, activity, $"Reading {_files.Count} captures, {ThrottleLimit} at a time")
                {
                    PercentComplete = i * 100 / _files.Count,
                    CurrentOperation = _files[i],
                });
                foreach (object item in queues[i].GetConsumingEnumerable(CancellationToken))
                {
                    switch (item)
                    {
                        case List<object> batch:
                            foreach (object o in batch)
                            {
                                WriteObject(o);
                            }

                            break;
                        case ErrorRecord error:
                            WriteError(error);
                            break;
                        case CaptureOutput.VerboseText verbose:
                            WriteVerbose(verbose.Text);
                            break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            // On a stop the workers end at their next event; wait for them before their queues go away.
            try
            {
                dispatcher.Wait();
                Task.WaitAll(workers.Where(w => w is not null).ToArray());
            }
            catch (AggregateException)
            {
            }

            foreach (var queue in queues)
            {
                queue.Dispose();
            }

            if (!CancellationToken.IsCancellationRequested)
            {
                WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        if (failures.TryDequeue(out Exception? failure))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    private void ReadQueued(int index, BlockingCollection<object> queue, SemaphoreSlim slots, ConcurrentQueue<Exception> failures)
    {
        try
        {
            var output = new CaptureOutput.Queued(queue, CancellationToken);
            ReadCapture(_files[index], Filter is null ? null : ScapFieldBinder.Compile(Filter), output);
            output.Flush();
        }
        catch (Exception ex) when (ex is OperationCanceledException or PipelineStoppedException && CancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            failures.Enqueue(ex);
        }
        finally
        {
            queue.CompleteAdding();
            slots.Release();
        }
    }
}
