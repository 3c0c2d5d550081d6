using System.Globalization;
using KForensics.Core.Filtering;
using KForensics.Core.Scap.Fields;

namespace KForensics.Core.Analysis;

/// <summary>
/// Reads single filter fields from the current event, with the same binder the filters use, so a view
/// groups by exactly what <c>sysdig -p %field</c> and the chisels see.
/// </summary>
internal static class ScapFields
{
    /// <summary>A field, with an optional index in brackets (proc.aname[2]), bound as a filter would bind it.</summary>
    internal static FieldAccessor<ScapFilterContext> Bind(string name, int? index = null)
        => ScapFieldBinder.Instance.Bind(name, FieldCatalog.Resolve(name, name, index?.ToString(CultureInfo.InvariantCulture), 0));

    public static Func<ScapFilterContext, string?> Text(string name)
    {
        FieldAccessor<ScapFilterContext> a = Bind(name);
        if (a.String is { } s)
        {
            return s;
        }

        if (a.Addresses is { } addresses)
        {
            return c => addresses(c) is { Count: > 0 } list ? list[0].ToString() : null;
        }

        if (a.Number is { } n)
        {
            return c => n(c, out long v) ? v.ToString(CultureInfo.InvariantCulture) : null;
        }

        throw new InvalidOperationException($"The field '{name}' has no text form.");
    }

    public static Func<ScapFilterContext, long?> Number(string name)
    {
        NumberGetter<ScapFilterContext> n = Bind(name).Number ?? throw new InvalidOperationException($"The field '{name}' is not numeric.");
        return c => n(c, out long v) ? v : null;
    }
}
