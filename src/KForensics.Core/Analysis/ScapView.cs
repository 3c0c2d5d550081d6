namespace KForensics.Core.Analysis;

/// <summary>
/// A view over captures that is fed whole files and then yields its rows; the untyped face lets the
/// cmdlets share one base class without naming Core types in their own type hierarchy.
/// </summary>
public abstract class ScapView
{
    /// <summary>Adds every event of <paramref name="path"/>; throws ScapFormatException at damage, keeping the rows before it.</summary>
    public abstract void Read(string path, CancellationToken cancellationToken);

    /// <summary>The rows so far, each tagged with <paramref name="source"/>.</summary>
    public abstract IEnumerable<object> RowObjects(string source);
}
