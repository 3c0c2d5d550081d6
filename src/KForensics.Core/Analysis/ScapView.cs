using KForensics.Core.Scap;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.State;

namespace KForensics.Core.Analysis;

/// <summary>
/// A view over captures: it observes the parsed state of every event that passes the user's filter and
/// then yields its rows. The untyped face lets the cmdlets share one base class without naming Core
/// types in their own type hierarchy; <see cref="ReadAll"/> feeds several views from one pass.
/// </summary>
public abstract class ScapView
{
    /// <summary>Events between two progress reports.</summary>
    internal const int ProgressInterval = 16384;

    /// <param name="userFilter">The user's compiled filter, or null for every event.</param>
    private protected ScapView(Func<ScapFilterContext, bool>? userFilter)
    {
        UserFilter = userFilter;
    }

    /// <summary>The user's compiled filter, or null for every event.</summary>
    private protected Func<ScapFilterContext, bool>? UserFilter { get; }

    /// <summary>Adds every event of <paramref name="path"/>; throws ScapFormatException at damage, keeping the rows before it.</summary>
    public void Read(string path, CancellationToken cancellationToken) => ReadAll(path, [this], cancellationToken);

    /// <summary>
    /// Feeds every event of <paramref name="path"/> to each view in one pass. Throws
    /// <see cref="ScapFormatException"/> at damage; the views then hold the events before it.
    /// </summary>
    public static void ReadAll(string path, IReadOnlyList<ScapView> views, CancellationToken cancellationToken)
        => ReadAll(path, views, null, cancellationToken);

    /// <summary>
    /// <see cref="ReadAll(string, IReadOnlyList{ScapView}, CancellationToken)"/>, reporting now and then how many
    /// bytes of the file have been read (compressed bytes for .gz), on the reading thread.
    /// </summary>
    public static void ReadAll(string path, IReadOnlyList<ScapView> views, IProgress<long>? bytesRead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(views);
        FileStream? file = null;
        int sinceReport = 0;
        bool[] followsLoop = views.Select(v => v.FollowsChiselLoop).ToArray();
        bool[] seesHidden = views.Select(v => v.FollowsChiselLoop || v.ObservesChiselEvents).ToArray();
        bool chiselLoop = followsLoop.Contains(true);

        // The reader calls this with the parsed state of each event; returning false keeps it from
        // building event objects no view needs.
        bool Observe(ScapFilterContext c)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (bytesRead is not null && ++sinceReport == ProgressInterval)
            {
                sinceReport = 0;
                bytesRead.Report(file!.Position);
            }

            // Views given the same filter (a report's sections) share its verdict on each event.
            Func<ScapFilterContext, bool>? judged = null;
            bool verdict = false;
            for (int i = 0; i < views.Count; i++)
            {
                ScapView view = views[i];
                if (followsLoop[i])
                {
                    view.Tick(c);
                }

                // No view observes what sysdig's parser drops; hidden events only views that ask for them.
                if (c.Dropped || (c.Hidden && !seesHidden[i]))
                {
                    continue;
                }

                Func<ScapFilterContext, bool>? filter = view.UserFilter;
                if (filter is not null && !ReferenceEquals(filter, judged))
                {
                    (judged, verdict) = (filter, filter(c));
                }

                if (filter is null || verdict)
                {
                    view.Observe(c);
                }
            }

            return false;
        }

        CaptureSpan span = chiselLoop ? CaptureSpan.Scan(path, cancellationToken) : default;
        file = ScapEventReader.OpenFile(path);

        using ScapEventReader reader = Open(file, path, Observe, seesHidden.Contains(true));
        foreach (ScapView view in views)
        {
            view.Begin(reader.State, span);
        }

        reader.TryRead(out _);
        bytesRead?.Report(file.Length);
    }

    private static ScapEventReader Open(FileStream file, string path, Func<ScapFilterContext, bool> observe, bool seesHidden)
    {
        try
        {
            return new ScapEventReader(file, path) { Observer = observe, ObserverSeesHidden = seesHidden };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// True for a view that follows a chisel's own event loop: it also observes sysdig's internal
    /// events (<see cref="ScapFilterContext.Hidden"/>), gets the time of every event sysdig reads through
    /// <see cref="Tick"/>, and learns the capture's span before the first event (a chisel gets it from a first run).
    /// </summary>
    private protected virtual bool FollowsChiselLoop => false;

    /// <summary>Before the first event: the state tables being filled, and the capture's span when some view follows the chisel loop.</summary>
    private protected virtual void Begin(Inspector state, CaptureSpan span)
    {
    }

    /// <summary>Every event sysdig reads, before the user's filter, with the state after it (chisel-loop views only).</summary>
    private protected virtual void Tick(ScapFilterContext context)
    {
    }

    /// <summary>
    /// True for a view that also observes the events sysdig does not print but hands to its chisels
    /// (procinfo); <see cref="ScapFilterContext.Hidden"/> tells them apart.
    /// </summary>
    private protected virtual bool ObservesChiselEvents => false;

    /// <summary>Adds one event that passed the user's filter. The context is only valid during the call.</summary>
    private protected abstract void Observe(ScapFilterContext context);

    /// <summary>The rows so far, each tagged with <paramref name="source"/>.</summary>
    public abstract IEnumerable<object> RowObjects(string source);
}
