using System.Globalization;
using KForensics.Core.Filtering;

namespace KForensics.Core.Falco;

/// <summary>A field's value as the output line prints it, null where Falco prints &lt;NA&gt;.</summary>
internal static class FalcoFieldText
{
    internal static Func<ScapFilterContext, string?> Bind(string source, string field)
        => Bind(source, FieldCatalog.Resolve(source, field, null, 0));

    /// <summary>
    /// An output field a capture cannot answer (it needs a live system) prints &lt;NA&gt;, as Falco prints a
    /// field without a value: the rule still alerts.
    /// </summary>
    internal static Func<ScapFilterContext, string?> BindOrNull(string source, FieldReference field)
    {
        try
        {
            return Bind(source, field);
        }
        catch (FilterSyntaxException)
        {
            return static _ => null;
        }
    }

    internal static Func<ScapFilterContext, string?> Bind(string source, FieldReference field)
    {
        FieldAccessor<ScapFilterContext> a = ScapFieldBinder.Instance.Bind(source, field);
        if (a.IsDynamic)
        {
            var text = a.String!;
            return c => text(c);
        }

        if (a.String is { } s)
        {
            return s;
        }

        if (a.Number is { } n)
        {
            return c => n(c, out long v) ? v.ToString(CultureInfo.InvariantCulture) : null;
        }

        if (a.Strings is { } ss)
        {
            return c => ss(c) is { Count: > 0 } v ? v[0] : null;
        }

        if (a.Numbers is { } ns)
        {
            return c => ns(c) is { Count: > 0 } v ? v[0].ToString(CultureInfo.InvariantCulture) : null;
        }

        if (a.Addresses is { } ips)
        {
            return c => ips(c) is { Count: > 0 } v ? v[0].ToString() : null;
        }

        var bytes = a.Bytes!;
        return c => bytes(c) is { } b ? System.Text.Encoding.Latin1.GetString(b.Span) : null;
    }
}
