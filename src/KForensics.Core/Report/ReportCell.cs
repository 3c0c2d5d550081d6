using System.Collections;
using System.Globalization;

namespace KForensics.Core.Report;

/// <summary>One formatted value: its text, a sort key for numbers and times, and whether it aligns right.</summary>
internal readonly record struct ReportCell(string Text, string? SortKey, bool Numeric)
{
    /// <summary>Elements of a list shown before the rest is summarised, so one huge list cannot swamp a table.</summary>
    public const int MaxListItems = 50;

    public static readonly ReportCell Empty = new(string.Empty, null, false);

    /// <summary>
    /// Formats <paramref name="value"/> as the report shows it: times as ISO 8601 UTC, numbers with
    /// thousands separators (identifiers without), lists joined with commas.
    /// </summary>
    public static ReportCell From(object? value, bool identifier)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        switch (value)
        {
            case null:
                return Empty;
            case string s:
                return new ReportCell(s, null, false);
            case DateTime t:
                DateTime utc = t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t;
                return new ReportCell(Iso(utc), utc.Ticks.ToString(inv), true);
            case DateTimeOffset o:
                return new ReportCell(Iso(o.UtcDateTime), o.UtcTicks.ToString(inv), true);
            case TimeSpan span:
                return new ReportCell(span.ToString("c", inv), span.Ticks.ToString(inv), true);
            case bool b:
                return new ReportCell(b ? "True" : "False", null, false);
            case Enum e:
                return new ReportCell(e.ToString(), null, false);
            case float or double or decimal:
                var real = (IFormattable)value;
                return new ReportCell(real.ToString(identifier ? "0.###" : "#,0.###", inv), real.ToString("R", inv), true);
            case sbyte or byte or short or ushort or int or uint or long or ulong or nint or nuint:
                var integer = (IFormattable)value;
                return new ReportCell(integer.ToString(identifier ? "0" : "#,0", inv), integer.ToString(null, inv), true);
            case IDictionary dictionary:
                return new ReportCell(Join(Entries(dictionary).Select(d => $"{ItemText(d.Key)}={ItemText(d.Value)}"), dictionary.Count), null, false);
            case IEnumerable list:
                var items = list.Cast<object?>().Select(ItemText).ToList();
                return new ReportCell(Join(items, items.Count), null, false);
            default:
                return new ReportCell(value.ToString() ?? string.Empty, null, false);
        }
    }

    /// <summary>ISO 8601 in UTC with the full 100 ns precision captures carry.</summary>
    public static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static string ItemText(object? item)
    {
        if (item is not null && item.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(KeyValuePair<,>))
        {
            // Labels and similar maps: key=value rather than KeyValuePair's "[key, value]".
            object? key = type.GetProperty("Key")!.GetValue(item);
            object? value = type.GetProperty("Value")!.GetValue(item);
            return $"{ItemText(key)}={ItemText(value)}";
        }

        return From(item, identifier: true).Text;
    }

    // IDictionary's own enumerator, which gives DictionaryEntry whatever the generic enumerator gives.
    private static IEnumerable<DictionaryEntry> Entries(IDictionary dictionary)
    {
        IDictionaryEnumerator e = dictionary.GetEnumerator();
        while (e.MoveNext())
        {
            yield return e.Entry;
        }
    }

    private static string Join(IEnumerable<string> items, int count)
    {
        string text = string.Join(", ", items.Take(MaxListItems));
        return count > MaxListItems ? $"{text}, … ({count - MaxListItems} more)" : text;
    }
}
