using System.Globalization;
using System.Net;
using System.Text;
using Ctx = KForensics.Core.Scap.Fields.ScapFilterContext;
using KForensics.Core.Filtering;
using KForensics.Core.Scap.Decoding;

namespace KForensics.Core.Scap.Fields;

public sealed partial class ScapFieldBinder
{
    /// <summary>
    /// Binds <paramref name="field"/> for display: the returned function gives, for the current event,
    /// the text <c>sysdig -p '*%field'</c> prints for it, or null where sysdig prints <c>&lt;NA&gt;</c>.
    /// <paramref name="source"/> is the text the reference was parsed from (for error positions). Throws
    /// <see cref="FilterSyntaxException"/> for fields that cannot be computed from a capture, and for
    /// filter-only fields (sysdig refuses to print <c>fd.ip</c> or <c>proc.aname</c> without an index).
    /// </summary>
    public Func<Ctx, string?> BindText(string source, FieldReference field)
    {
        FieldDefinition definition = field.Field;
        if (definition.IsFilterOnly || (definition.Argument == FieldArgument.OptionalIndex && field.Index is null))
        {
            string hint = definition.Argument == FieldArgument.OptionalIndex ? $" Give it an index, e.g. {definition.Name}[1]." : string.Empty;
            throw new FilterSyntaxException(source, field.Position,
                $"The field '{field}' can only be used in filters, not printed (it matches any of several values).{hint}");
        }

        FieldAccessor<Ctx> accessor = Bind(source, field);
        if (accessor.IsDynamic)
        {
            NumberGetter<Ctx> number = accessor.Number!;
            Func<Ctx, string?> text = accessor.String!;
            return c => number(c, out long v) ? v.ToString(CultureInfo.InvariantCulture) : text(c) is { } s ? Printable(s) : null;
        }

        if (accessor.String is { } getString)
        {
            // sysdig prints the environment, the poll fd names and the argument texts as it has them (a container
            // event's JSON keeps its closing newline), and a syslog message as it was written; other texts without
            // unprintable characters.
            return definition.Name switch
            {
                "proc.env" or "fdlist.names" or "evt.arg" or "evt.args" or "evt.info" or "syslog.message" => getString,
                "fd.name" or "fd.containername" or "fd.directory" or "fd.containerdirectory" => c => IsUnnamedInPrint(c) ? null : getString(c) is { } s ? Printable(s) : null,
                _ => c => getString(c) is { } s ? Printable(s) : null,
            };
        }

        if (accessor.Number is { } getNumber)
        {
            if (definition.Name == "fd.dev")
            {
                // The one field sysdig 0.29.3 prints in hexadecimal (upper case, no prefix).
                return c => getNumber(c, out long v) ? ((uint)v).ToString("X", CultureInfo.InvariantCulture) : null;
            }

            return PaddedFields.Contains(definition.Name)
                ? c => getNumber(c, out long v) ? ((ulong)v).ToString("D9", CultureInfo.InvariantCulture) : null
                : NumberText(definition.Type, getNumber);
        }

        if (accessor.Addresses is { } getAddresses)
        {
            return c => getAddresses(c) is { Count: > 0 } a ? AddressText(a[0]) : null;
        }

        if (accessor.Bytes is { } getBytes)
        {
            // The one byte field, evt.buffer, prints as sysdig prints the data argument it reads: unprintable
            // bytes as dots, cut at sysdig's output length.
            return c => getBytes(c) is not null && EventFormatter.TryFormatArgument(c.Raw, c.Info, c.Snapshot, "data", -1, out string text) ? text : null;
        }

        // Multi-valued accessors only back filter-only fields, refused above.
        throw new FilterSyntaxException(source, field.Position, $"The field '{field}' has no single value to print.");
    }

    /// <summary>
    /// Parses one field reference as <c>-p</c> takes it (<c>proc.aname[2]</c>, <c>%evt.arg.flags</c>) and
    /// binds it for display (see <see cref="BindText"/>).
    /// </summary>
    public Func<Ctx, string?> BindText(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return BindText(field, ParseFieldReference(field));
    }

    /// <summary>Parses a lone field reference: a name, optionally with <c>[argument]</c>, optionally after a <c>%</c>.</summary>
    public static FieldReference ParseFieldReference(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int start = text.StartsWith('%') ? 1 : 0;
        int open = text.IndexOf('[', start);
        if (open < 0)
        {
            return FieldCatalog.Resolve(text, text[start..], null, start);
        }

        int close = text.IndexOf(']', open + 1);
        if (close < 0)
        {
            throw new FilterSyntaxException(text, open, "This '[' is never closed.");
        }

        if (close != text.Length - 1)
        {
            throw new FilterSyntaxException(text, close + 1, "Unexpected text after the field.");
        }

        return FieldCatalog.Resolve(text, text[start..open], text[(open + 1)..close], start);
    }

    /// <summary>Fields sysdig prints with at least nine digits, zero-padded (nanosecond parts and counts).</summary>
    private static readonly HashSet<string> PaddedFields = ["evt.rawtime.ns", "evt.reltime", "evt.reltime.ns", "evt.deltatime.ns", "evt.latency.ns"];

    private static Func<Ctx, string?> NumberText(FieldType type, NumberGetter<Ctx> get) => type switch
    {
        FieldType.Bool => c => get(c, out long v) ? (v != 0 ? "true" : "false") : null,
        FieldType.UInt64 or FieldType.UInt32 or FieldType.AbsTime or FieldType.RelTime or FieldType.Port
            => c => get(c, out long v) ? ((ulong)v).ToString(CultureInfo.InvariantCulture) : null,
        _ => c => get(c, out long v) ? v.ToString(CultureInfo.InvariantCulture) : null,
    };

    private static string AddressText(IPAddress address) => address.ToString();

    /// <summary>sysdig leaves unprintable characters out of the text it prints.</summary>
    internal static string Printable(string value)
    {
        foreach (char c in value)
        {
            if (c is < ' ' or >= '\x7f')
            {
                var sb = new StringBuilder(value.Length);
                foreach (char k in value)
                {
                    if (k is >= ' ' and < '\x7f')
                    {
                        sb.Append(k);
                    }
                }

                return sb.ToString();
            }
        }

        return value;
    }
}
