using KForensics.Core.Scap.Writing;
using KForensics.Tests.Scap.Writer;

namespace KForensics.Tests.Scap;

/// <summary>
/// A test class that writes its own capture with <see cref="ScapWriter"/>: a private temporary folder, a clock
/// that advances a microsecond per event, and the enter and exit events of one thread's call.
/// </summary>
public abstract class WrittenScenario(long tid) : IDisposable
{
    /// <summary>The time of the capture's first event (2024-03-14 09:26:53 UTC).</summary>
    protected const ulong T0 = 1_710_408_413_000_000_000;

    private readonly TempCapture _temp = new();
    private ulong _ts = T0;

    /// <summary>The thread every event of <see cref="Pair"/> belongs to.</summary>
    protected long Tid { get; } = tid;

    /// <summary>A path for a capture file in the test's own folder.</summary>
    protected string PathOf(string name) => _temp.PathOf(name);

    /// <summary>Writes the enter event of a call and its exit (the next event id), one microsecond apart.</summary>
    protected void Pair(ScapWriter w, ushort enter, object?[] enterValues, object?[] exitValues)
    {
        w.WriteEvent(_ts += 1000, Tid, 0, enter, enterValues);
        w.WriteEvent(_ts += 1000, Tid, 0, (ushort)(enter + 1), exitValues);
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _temp.Dispose();
        }
    }
}
