using System.Collections.Concurrent;
using System.Management.Automation;

namespace KForensics.Infrastructure;

/// <summary>Where the reading of one capture sends what it produces: the pipeline directly, or a queue the pipeline thread drains.</summary>
internal abstract class CaptureOutput
{
    public abstract void Object(object value);

    public abstract void Error(ErrorRecord error);

    public abstract void Verbose(string text);

    /// <summary>Per-capture progress; dropped when captures are read in parallel (the pipeline thread reports captures done).</summary>
    public abstract void Progress(ProgressRecord record);

    /// <summary>Hands on anything still buffered.</summary>
    public virtual void Flush()
    {
    }

    /// <summary>Straight to the cmdlet, on the pipeline thread.</summary>
    internal sealed class Direct(Cmdlet cmdlet) : CaptureOutput
    {
        public override void Object(object value) => cmdlet.WriteObject(value);

        public override void Error(ErrorRecord error) => cmdlet.WriteError(error);

        public override void Verbose(string text) => cmdlet.WriteVerbose(text);

        public override void Progress(ProgressRecord record) => cmdlet.WriteProgress(record);
    }

    /// <summary>
    /// From a worker thread into a bounded queue, objects in batches so the hand-over costs little per
    /// event; a capture's output keeps its order.
    /// </summary>
    internal sealed class Queued(BlockingCollection<object> queue, CancellationToken cancellationToken) : CaptureOutput
    {
        private const int BatchSize = 512;
        private List<object> _batch = new(BatchSize);

        public override void Object(object value)
        {
            _batch.Add(value);
            if (_batch.Count == BatchSize)
            {
                Flush();
            }
        }

        public override void Error(ErrorRecord error)
        {
            Flush();
            queue.Add(error, cancellationToken);
        }

        public override void Verbose(string text)
        {
            Flush();
            queue.Add(new VerboseText(text), cancellationToken);
        }

        public override void Progress(ProgressRecord record)
        {
        }

        public override void Flush()
        {
            if (_batch.Count > 0)
            {
                queue.Add(_batch, cancellationToken);
                _batch = new List<object>(BatchSize);
            }
        }
    }

    internal sealed record VerboseText(string Text);
}
