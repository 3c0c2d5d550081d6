using System.Text;

namespace KForensics.Core.Filtering;

/// <summary>
/// A filter that cannot be compiled: carries the 0-based position of the offending character and
/// renders the filter with a caret under it, so the user sees where it went wrong.
/// </summary>
public sealed class FilterSyntaxException : FormatException
{
    public FilterSyntaxException(string filter, int position, string reason, IReadOnlyList<string>? suggestions = null)
        : base(Render(filter, position, reason, suggestions))
    {
        Filter = filter;
        Position = position;
        Reason = reason;
        Suggestions = suggestions ?? Array.Empty<string>();
    }

    public string Filter { get; }

    /// <summary>0-based index into <see cref="Filter"/>.</summary>
    public int Position { get; }

    public string Reason { get; }

    /// <summary>The name of the field the filter uses that no catalogue knows, when that is the error.</summary>
    public string? UnknownField { get; init; }

    /// <summary>For an unknown field: the closest known field names.</summary>
    public IReadOnlyList<string> Suggestions { get; }

    private static string Render(string filter, int position, string reason, IReadOnlyList<string>? suggestions)
    {
        var text = new StringBuilder();
        text.Append("Filter error at position ").Append(position + 1).Append(": ").Append(reason);
        if (suggestions is { Count: > 0 })
        {
            text.Append(" Did you mean ").Append(string.Join(", ", suggestions)).Append('?');
        }

        // Control characters would shift the caret; show them as spaces.
        string shown = new(filter.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        text.Append('\n').Append(shown).Append('\n').Append(' ', Math.Clamp(position, 0, filter.Length)).Append('^');
        return text.ToString();
    }
}
