using System.Globalization;
using System.Net;
using KForensics.Core.Filtering;

namespace KForensics.Core.Analysis;

/// <summary>
/// Reads single filter fields from the current event, with the same binder the filters use, so a view
/// groups by exactly what <c>sysdig -p %field</c> and the chisels see.
/// </summary>
internal static class ScapFields
{
    private static FieldAccessor<ScapFilterContext> Bind(string name)
        => ScapFieldBinder.Instance.Bind(name, FieldCatalog.Resolve(name, name, null, 0));

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

    public static Func<ScapFilterContext, IPAddress?> Address(string name)
    {
        Func<ScapFilterContext, IReadOnlyList<IPAddress>?> a = Bind(name).Addresses ?? throw new InvalidOperationException($"The field '{name}' is not an address.");
        return c => a(c) is { Count: > 0 } list ? list[0] : null;
    }
}
