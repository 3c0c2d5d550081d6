using System.Globalization;
using System.Net;

namespace KForensics.Core.Filtering;

/// <summary>The value tests of the compiler: bytes, numbers and addresses, parsed once from the filter's text.</summary>
public static partial class FilterCompiler
{
    private delegate bool SpanTest(ReadOnlySpan<byte> value);

    private static SpanTest BytesTest(string filter, CheckNode check)
    {
        switch (check.Operator)
        {
            case FilterOperator.BContains:
            {
                byte[] needle = ParseHex(filter, check.Values[0]);
                return v => v.IndexOf(needle) >= 0;
            }

            case FilterOperator.BStartsWith:
            {
                byte[] needle = ParseHex(filter, check.Values[0]);
                return v => v.StartsWith(needle);
            }

            case FilterOperator.Contains:
            {
                byte[] needle = System.Text.Encoding.UTF8.GetBytes(check.Values[0].Text);
                return v => v.IndexOf(needle) >= 0;
            }

            case FilterOperator.IContains:
            {
                string needle = check.Values[0].Text;
                return v => System.Text.Encoding.Latin1.GetString(v).Contains(needle, StringComparison.OrdinalIgnoreCase);
            }

            case FilterOperator.StartsWith:
            {
                byte[] needle = System.Text.Encoding.UTF8.GetBytes(check.Values[0].Text);
                return v => v.StartsWith(needle);
            }

            case FilterOperator.EndsWith:
            {
                byte[] needle = System.Text.Encoding.UTF8.GetBytes(check.Values[0].Text);
                return v => v.EndsWith(needle);
            }

            case FilterOperator.Equal:
            {
                byte[] needle = System.Text.Encoding.UTF8.GetBytes(check.Values[0].Text);
                return v => v.SequenceEqual(needle);
            }

            case FilterOperator.NotEqual:
            {
                byte[] needle = System.Text.Encoding.UTF8.GetBytes(check.Values[0].Text);
                return v => !v.SequenceEqual(needle);
            }

            default:
                throw Unsupported(filter, check);
        }
    }

    private static byte[] ParseHex(string filter, FilterValue value)
    {
        string text = value.Text;
        if (text.Length == 0 || text.Length % 2 != 0)
        {
            throw new FilterSyntaxException(filter, value.Position, "A byte string needs an even number of hex digits, e.g. 2f657463.");
        }

        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            throw new FilterSyntaxException(filter, value.Position, $"'{text}' is not a string of hex digits.");
        }
    }

    private static Func<long, bool> NumberTest(string filter, CheckNode check, FieldDefinition field)
    {
        long[] values = check.Values.Select(v => ParseNumber(filter, v, field)).ToArray();
        long x = values[0];
        if (field.Type is FieldType.UInt64 or FieldType.RelTime or FieldType.AbsTime && check.Operator is FilterOperator.Less
            or FilterOperator.LessOrEqual or FilterOperator.Greater or FilterOperator.GreaterOrEqual)
        {
            // 64-bit unsigned fields order as unsigned, as in sysdig (a wrapped-around time difference is huge, not negative).
            ulong ux = unchecked((ulong)x);
            return check.Operator switch
            {
                FilterOperator.Less => v => unchecked((ulong)v) < ux,
                FilterOperator.LessOrEqual => v => unchecked((ulong)v) <= ux,
                FilterOperator.Greater => v => unchecked((ulong)v) > ux,
                _ => v => unchecked((ulong)v) >= ux,
            };
        }

        return check.Operator switch
        {
            FilterOperator.Equal => v => v == x,
            FilterOperator.NotEqual => v => v != x,
            FilterOperator.Less => v => v < x,
            FilterOperator.LessOrEqual => v => v <= x,
            FilterOperator.Greater => v => v > x,
            FilterOperator.GreaterOrEqual => v => v >= x,
            FilterOperator.In or FilterOperator.Intersects => new HashSet<long>(values).Contains,
            _ => throw Unsupported(filter, check),
        };
    }

    private static long ParseNumber(string filter, FilterValue value, FieldDefinition field)
    {
        string text = value.Text;
        if (field.Type == FieldType.Bool)
        {
            if (text.Equals("true", StringComparison.OrdinalIgnoreCase))
            {
                return 1;
            }

            if (text.Equals("false", StringComparison.OrdinalIgnoreCase))
            {
                return 0;
            }
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n))
        {
            return n;
        }

        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out n))
        {
            return n;
        }

        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong u))
        {
            return unchecked((long)u);
        }

        throw new FilterSyntaxException(filter, value.Position,
            field.Type == FieldType.Bool ? $"'{text}' is not true, false or a number." : $"'{text}' is not a number, which {field.Name} needs.");
    }

    private static Func<TContext, bool> AddressTest<TContext>(string filter, CheckNode check, FieldDefinition field, Func<TContext, IReadOnlyList<IPAddress>?> get)
    {
        if (check.Operator is not (FilterOperator.Equal or FilterOperator.NotEqual or FilterOperator.In or FilterOperator.Intersects))
        {
            throw Unsupported(filter, check);
        }

        bool network = field.Type == FieldType.IpNet;
        var targets = check.Values.Select(v => network ? ParseNetwork(filter, v) : (ParseAddress(filter, v), -1)).ToArray();
        bool Matches(IPAddress a)
        {
            foreach (var (address, prefix) in targets)
            {
                if (prefix < 0 ? a.Equals(address) : IsInNetwork(a, address, prefix))
                {
                    return true;
                }
            }

            return false;
        }

        // One delegate for every event, not one per evaluation.
        Func<IPAddress, bool> matches = Matches;
        switch (check.Operator)
        {
            case FilterOperator.Equal:
            case FilterOperator.In:
            case FilterOperator.Intersects:
                return c => get(c) is { } values && Any(values, matches);
            case FilterOperator.NotEqual:
                return c => get(c) is { Count: > 0 } values && !Any(values, matches);
            default:
                throw Unsupported(filter, check);
        }
    }

    private static bool Any(IReadOnlyList<IPAddress> values, Func<IPAddress, bool> test)
    {
        // Indexed: an enumerator over the interface would be allocated per event.
        for (int i = 0; i < values.Count; i++)
        {
            if (test(values[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static IPAddress ParseAddress(string filter, FilterValue value)
        => TryParseStrict(value.Text, out IPAddress? a)
            ? a
            : throw new FilterSyntaxException(filter, value.Position, $"'{value.Text}' is not an IPv4 or IPv6 address.");

    // IPAddress.TryParse also takes inet_aton shorthands such as "1.2.3"; filters want a full address.
    private static bool TryParseStrict(ReadOnlySpan<char> text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text.Contains(':'))
        {
            return IPAddress.TryParse(text, out address);
        }

        int dots = text.Count('.');
        return dots == 3 && !text.StartsWith(".") && !text.EndsWith(".") && !text.Contains("..", StringComparison.Ordinal)
            && IPAddress.TryParse(text, out address);
    }

    private static (IPAddress, int) ParseNetwork(string filter, FilterValue value)
    {
        string text = value.Text;
        int slash = text.IndexOf('/');
        if (slash < 0)
        {
            IPAddress single = ParseAddress(filter, value);
            return (single, single.GetAddressBytes().Length * 8);
        }

        if (!TryParseStrict(text.AsSpan(0, slash), out IPAddress? address)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix)
            || prefix > address.GetAddressBytes().Length * 8)
        {
            throw new FilterSyntaxException(filter, value.Position, $"'{text}' is not a network in CIDR notation, e.g. 10.0.0.0/8.");
        }

        return (address, prefix);
    }

    private static bool IsInNetwork(IPAddress address, IPAddress network, int prefix)
    {
        byte[] a = address.GetAddressBytes();
        byte[] n = network.GetAddressBytes();
        if (a.Length != n.Length)
        {
            return false;
        }

        int full = prefix / 8;
        for (int i = 0; i < full; i++)
        {
            if (a[i] != n[i])
            {
                return false;
            }
        }

        int rest = prefix % 8;
        if (rest == 0)
        {
            return true;
        }

        int mask = 0xFF << (8 - rest) & 0xFF;
        return (a[full] & mask) == (n[full] & mask);
    }
}
