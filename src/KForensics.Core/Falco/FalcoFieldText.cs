using KForensics.Core.Filtering;

namespace KForensics.Core.Falco;

/// <summary>A field's value as the output line prints it (sysdig's -p text), null where Falco prints &lt;NA&gt;.</summary>
internal static class FalcoFieldText
{
    internal static Func<ScapFilterContext, string?> Bind(string source, string field)
        => ScapFieldBinder.Instance.BindText(source, FieldCatalog.Resolve(source, field, null, 0));

    /// <summary>
    /// An output field a capture cannot answer (it needs a live system) prints &lt;NA&gt;, as Falco prints a
    /// field without a value: the rule still alerts.
    /// </summary>
    internal static Func<ScapFilterContext, string?> BindOrNull(string source, FieldReference field)
    {
        try
        {
            return ScapFieldBinder.Instance.BindText(source, field);
        }
        catch (FilterSyntaxException)
        {
            return static _ => null;
        }
    }
}
