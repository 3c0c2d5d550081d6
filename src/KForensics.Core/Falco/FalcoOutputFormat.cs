using System.Text;
using KForensics.Core.Filtering;

namespace KForensics.Core.Falco;

/// <summary>A rule output that names a field no catalogue knows.</summary>
public sealed class FalcoOutputException(string message) : FormatException(message);

/// <summary>
/// A rule's output format: literal text and <c>%field</c> tokens (<c>%proc.aname[2]</c>,
/// <c>%evt.arg.flags</c>), rendered as Falco does with the leading <c>*</c> (every token printed,
/// <c>&lt;NA&gt;</c> where the field has no value).
/// </summary>
internal sealed class FalcoOutputFormat
{
    private const string ContainerInfo = "%container.info";

    private FalcoOutputFormat(string format, IReadOnlyList<(string Literal, FieldReference? Field)> segments)
    {
        Format = format;
        Segments = segments;
    }

    public string Format { get; }

    /// <summary>Literal text, each followed by the field printed after it (null after the last literal).</summary>
    public IReadOnlyList<(string Literal, FieldReference? Field)> Segments { get; }

    /// <summary>The tokens as written, in order, each once (the keys of an alert's output fields).</summary>
    public IEnumerable<FieldReference> Fields => Segments.Where(s => s.Field is not null).Select(s => s.Field!).DistinctBy(f => f.Text);

    /// <summary>Falco's default for <c>%container.info</c> when no extra container format is given.</summary>
    internal static string WithContainerInfo(string output)
        => output.Replace(ContainerInfo, "%container.name (id=%container.id)", StringComparison.Ordinal);

    internal static FalcoOutputFormat Parse(string format)
    {
        // A folded YAML scalar ends in a newline; Falco trims the output before it formats it.
        format = format.Trim();
        var segments = new List<(string, FieldReference?)>();
        var literal = new StringBuilder();
        int i = 0;
        while (i < format.Length)
        {
            char c = format[i];
            if (c != '%' || i + 1 >= format.Length || !IsFieldStart(format[i + 1]))
            {
                literal.Append(c);
                i++;
                continue;
            }

            int start = i + 1;
            int end = start;
            while (end < format.Length && IsFieldChar(format[end]))
            {
                end++;
            }

            string? bracket = null;
            int tokenEnd = end;
            if (end < format.Length && format[end] == '[')
            {
                int close = format.IndexOf(']', end);
                if (close > end)
                {
                    bracket = format[(end + 1)..close];
                    tokenEnd = close + 1;
                }
            }

            // As sysdig matches the longest field name: a trailing '.' is text, not part of the token.
            string name = format[start..end];
            while (bracket is null && name.EndsWith('.') && !Resolves(name, null))
            {
                name = name[..^1];
                tokenEnd--;
            }

            FieldReference field;
            try
            {
                field = FieldCatalog.Resolve(format, name, bracket, start) with { Text = format[start..tokenEnd] };
            }
            catch (FilterSyntaxException)
            {
                throw new FalcoOutputException($"invalid formatting token {format[start..tokenEnd]}");
            }

            segments.Add((literal.ToString(), field));
            literal.Clear();
            i = tokenEnd;
        }

        segments.Add((literal.ToString(), null));
        return new FalcoOutputFormat(format, segments);
    }

    private static bool Resolves(string name, string? bracket)
    {
        try
        {
            FieldCatalog.Resolve(name, name, bracket, 0);
            return true;
        }
        catch (FilterSyntaxException)
        {
            return false;
        }
    }

    private static bool IsFieldStart(char c) => char.IsAsciiLetter(c);

    private static bool IsFieldChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_';
}
