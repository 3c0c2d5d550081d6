using System.Collections.Concurrent;
using System.Management.Automation;
using System.Reflection;

namespace KForensics.Infrastructure;

/// <summary>
/// Base for cmdlets whose work is asynchronous. Each phase runs on a single-thread pump on the
/// pipeline thread, so every <c>await</c> resumes there and <c>WriteObject</c>, <c>WriteError</c>
/// and <c>WriteProgress</c> are always legal. <c>StopProcessing</c> (Ctrl+C, <c>Select-Object -First</c>)
/// cancels <see cref="CancellationToken"/>.
/// </summary>
public abstract class AsyncCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly ConcurrentQueue<(bool Debug, string Text)> _libraryLines = new();
    private bool _disposed;
    private int _pipelineThread;
    private PipelineSynchronizationContext? _pump;

    // Typed as object: no Core type may be needed to load the cmdlet types (see ScapInputCmdlet).
    private object? _libraryLog;
    private IDisposable? _azureListener;

    /// <summary>Cancelled when the user stops the pipeline.</summary>
    protected CancellationToken CancellationToken => _cancellation.Token;

    /// <summary>
    /// The module's version as the build stamps it (the manifest's ModuleVersion, without the commit
    /// suffix), for what the cmdlets record about themselves in the files they write.
    /// </summary>
    protected static string ModuleVersion
        => typeof(AsyncCmdlet).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? typeof(AsyncCmdlet).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    protected virtual Task BeginProcessingAsync() => Task.CompletedTask;

    protected virtual Task ProcessRecordAsync() => Task.CompletedTask;

    protected virtual Task EndProcessingAsync() => Task.CompletedTask;

    /// <summary>
    /// Where the libraries' own logs go (KubernetesClient's requests, Docker.DotNet, the Azure SDK): lines come from any
    /// thread and are written on the pipeline thread, Debug lines with WriteDebug (-Debug), the others with WriteVerbose.
    /// </summary>
    private protected Core.Diagnostics.LibraryLog LibraryLog
        => (Core.Diagnostics.LibraryLog)(_libraryLog ??= new Core.Diagnostics.LibraryLog((level, source, text) =>
        {
            _libraryLines.Enqueue((level == Core.Diagnostics.LibraryLogLevel.Debug, "[" + source + "] " + text));
            try
            {
                _pump?.Post(_ => WriteLibraryLines(), null);
            }
            catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
            {
                // The phase ended meanwhile: the next one, or the end of this one, writes the line.
            }
        }));

    /// <summary>The Azure SDK's log joins <see cref="LibraryLog"/> from now until the cmdlet is disposed.</summary>
    internal void ListenToAzureSdk() => _azureListener ??= Core.Evidence.Storage.AzureSdkLog.Listen(LibraryLog);

    private void WriteLibraryLines()
    {
        if (Environment.CurrentManagedThreadId != _pipelineThread)
        {
            return;
        }

        while (_libraryLines.TryDequeue(out var line))
        {
            if (line.Debug)
            {
                WriteDebug(line.Text);
            }
            else
            {
                WriteVerbose(line.Text);
            }
        }
    }

    protected sealed override void BeginProcessing() => Pump(BeginProcessingAsync);

    protected sealed override void ProcessRecord() => Pump(ProcessRecordAsync);

    protected sealed override void EndProcessing() => Pump(EndProcessingAsync);

    protected override void StopProcessing() => _cancellation.Cancel();

    private void Pump(Func<Task> work)
    {
        SynchronizationContext? previous = SynchronizationContext.Current;
        using var context = new PipelineSynchronizationContext();
        SynchronizationContext.SetSynchronizationContext(context);
        _pipelineThread = Environment.CurrentManagedThreadId;
        _pump = context;
        try
        {
            Task task = work();
            task.ContinueWith(_ => context.Complete(), TaskScheduler.Default);
            context.RunUntilComplete();
            _pump = null;
            WriteLibraryLines();
            // A stop is not an error: PowerShell already knows the pipeline is stopping.
            if (task.IsCanceled || (task.IsFaulted && _cancellation.IsCancellationRequested && task.Exception!.InnerException is OperationCanceledException))
            {
                throw new PipelineStoppedException();
            }

            task.GetAwaiter().GetResult();
        }
        finally
        {
            _pump = null;
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _azureListener?.Dispose();
        _cancellation.Dispose();
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    private sealed class PipelineSynchronizationContext : SynchronizationContext, IDisposable
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = new();

        public override void Post(SendOrPostCallback d, object? state)
        {
            try
            {
                _queue.Add((d, state));
            }
            catch (InvalidOperationException)
            {
                // Posted after completion: run it anywhere rather than lose it.
                ThreadPool.QueueUserWorkItem(s => d(s), state);
            }
        }

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException();

        public void Complete() => _queue.CompleteAdding();

        public void RunUntilComplete()
        {
            foreach (var (callback, state) in _queue.GetConsumingEnumerable())
            {
                callback(state);
            }
        }

        public void Dispose() => _queue.Dispose();
    }
}
