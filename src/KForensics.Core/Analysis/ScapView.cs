using KForensics.Core.Filtering;
using KForensics.Core.Scap;

namespace KForensics.Core.Analysis;

/// <summary>
/// A view over captures: it observes the parsed state of every event that passes the user's filter and
/// then yields its rows. The untyped face lets the cmdlets share one base class without naming Core
/// types in their own type hierarchy; <see cref="ReadAll"/> feeds several views from one pass.
/// </summary>
public abstract class ScapView
{
    private readonly Func<ScapFilterContext, bool>? _userFilter;

    /// <param name="userFilter">The user's compiled filter, or null for every event.</param>
    private protected ScapView(Func<ScapFilterContext, bool>? userFilter)
    {
        _userFilter = userFilter;
    }

    /// <summary>Adds every event of <paramref name="path"/>; throws ScapFormatException at damage, keeping the rows before it.</summary>
    public void Read(string path, CancellationToken cancellationToken) => ReadAll(path, [this], cancellationToken);

    /// <summary>
    /// Feeds every event of <paramref name="path"/> to each view in one pass. Throws
    /// <see cref="ScapFormatException"/> at damage; the views then hold the events before it.
    /// </summary>
    public static void ReadAll(string path, IReadOnlyList<ScapView> views, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(views);

        // The reader calls this with the parsed state of each event; returning false keeps it from
        // building event objects no view needs.
        bool Observe(ScapFilterContext c)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (ScapView view in views)
            {
                if (c.IsHidden && !view.ObservesChiselEvents)
                {
                    continue;
                }

                if (view._userFilter is null || view._userFilter(c))
                {
                    view.Observe(c);
                }
            }

            return false;
        }

        using ScapEventReader reader = ScapEventReader.Open(path, false, Observe);
        reader.FilterChiselEvents = views.Any(v => v.ObservesChiselEvents);
        reader.TryRead(out _);
    }

    /// <summary>
    /// True for a view that also observes the events sysdig does not print but hands to its chisels
    /// (procinfo); <see cref="ScapFilterContext.IsHidden"/> tells them apart.
    /// </summary>
    private protected virtual bool ObservesChiselEvents => false;

    /// <summary>Adds one event that passed the user's filter. The context is only valid during the call.</summary>
    private protected abstract void Observe(ScapFilterContext context);

    /// <summary>The rows so far, each tagged with <paramref name="source"/>.</summary>
    public abstract IEnumerable<object> RowObjects(string source);
}
