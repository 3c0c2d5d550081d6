using System.Globalization;
using System.Net;

namespace KForensics.Core.Filtering;

/// <summary>
/// Compiles a parsed filter once into a predicate over the decoded event and state. Every value in
/// the filter is parsed and checked here, so a bad value is reported with its position before any
/// event is read. A field without a value fails every comparison (<c>!=</c> included), as in sysdig.
/// </summary>
public static partial class FilterCompiler
{
    public static Func<TContext, bool> Compile<TContext>(string filter, IFieldBinder<TContext> binder)
        => Compile(filter, FilterParser.Parse(filter), binder);

    public static Func<TContext, bool> Compile<TContext>(string filter, FilterNode node, IFieldBinder<TContext> binder)
    {
        switch (node)
        {
            case AndNode and:
            {
                var left = Compile(filter, and.Left, binder);
                var right = Compile(filter, and.Right, binder);
                return c => left(c) && right(c);
            }

            case OrNode or:
            {
                var left = Compile(filter, or.Left, binder);
                var right = Compile(filter, or.Right, binder);
                return c => left(c) || right(c);
            }

            case NotNode not:
            {
                var operand = Compile(filter, not.Operand, binder);
                return c => !operand(c);
            }

            case CheckNode check:
                return CompileCheck(filter, check, binder.Bind(filter, check.Field));

            default:
                throw new ArgumentException("Unknown filter node.", nameof(node));
        }
    }

    private static Func<TContext, bool> CompileCheck<TContext>(string filter, CheckNode check, FieldAccessor<TContext> field)
    {
        FilterOperator op = check.Operator;
        if (field.EqualityTest is { } makeTest)
        {
            if (op != FilterOperator.Equal || check.Values.Count != 1)
            {
                throw new FilterSyntaxException(filter, check.OperatorPosition, $"The field '{check.Field}' takes only the '=' operator with one value.");
            }

            return makeTest(check.Values[0]);
        }

        if (op == FilterOperator.Exists)
        {
            return CompileExists(field);
        }

        // An empty set (Falco: `x in ()` after an empty list was substituted) matches nothing.
        if (check.Values.Count == 0)
        {
            return static _ => false;
        }

        if (field.IsDynamic)
        {
            bool numeric = op is FilterOperator.Equal or FilterOperator.NotEqual or FilterOperator.Less or FilterOperator.LessOrEqual
                    or FilterOperator.Greater or FilterOperator.GreaterOrEqual or FilterOperator.In or FilterOperator.Intersects
                && check.Values.All(v => long.TryParse(v.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _));
            if (numeric)
            {
                var getN = field.Number!;
                var testN = NumberTest(filter, check, field.Field.Field);
                return c => getN(c, out long v) && testN(v);
            }

            var getS = field.String!;
            var testS = StringTest(filter, check, field);
            return c => getS(c) is { } v && testS(v);
        }

        if (field.String is { } getDouble && field.Field.Field.Type == FieldType.Double
            && op is FilterOperator.Equal or FilterOperator.NotEqual or FilterOperator.Less or FilterOperator.LessOrEqual
                or FilterOperator.Greater or FilterOperator.GreaterOrEqual)
        {
            // Doubles (proc.fdusage, thread.cpu) are served as the text sysdig prints; comparisons read them back.
            FilterValue value = check.Values[0];
            if (!double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double wanted))
            {
                throw new FilterSyntaxException(filter, value.Position, $"'{value.Text}' is not a number, which '{field.Field}' needs.");
            }

            return c => getDouble(c) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && op switch
            {
                FilterOperator.Equal => v == wanted,
                FilterOperator.NotEqual => v != wanted,
                FilterOperator.Less => v < wanted,
                FilterOperator.LessOrEqual => v <= wanted,
                FilterOperator.Greater => v > wanted,
                _ => v >= wanted,
            };
        }

        if (field.String is { } getString)
        {
            var test = StringTest(filter, check, field);
            return c => getString(c) is { } v && test(v);
        }

        if (field.Strings is { } getStrings)
        {
            var test = StringTest(filter, check, field);
            return c =>
            {
                if (getStrings(c) is not { } values)
                {
                    return false;
                }

                foreach (string v in values)
                {
                    if (test(v))
                    {
                        return true;
                    }
                }

                return false;
            };
        }

        if (field.Number is { } getNumber)
        {
            var test = NumberTest(filter, check, field.Field.Field);
            return c => getNumber(c, out long v) && test(v);
        }

        if (field.Numbers is { } getNumbers)
        {
            var test = NumberTest(filter, check, field.Field.Field);
            if (field.NotEqualMeansNone && check.Operator == FilterOperator.NotEqual)
            {
                long x = ParseNumber(filter, check.Values[0], field.Field.Field);
                return c => getNumbers(c) is { } values && !values.Contains(x);
            }

            return c =>
            {
                if (getNumbers(c) is not { } values)
                {
                    return false;
                }

                foreach (long v in values)
                {
                    if (test(v))
                    {
                        return true;
                    }
                }

                return false;
            };
        }

        if (field.Addresses is { } getAddresses)
        {
            return AddressTest(filter, check, field.Field.Field, getAddresses);
        }

        if (field.Bytes is { } getBytes)
        {
            var test = BytesTest(filter, check);
            return c => getBytes(c) is { } v && test(v.Span);
        }

        throw new InvalidOperationException($"The field {field.Field} has no value reader.");
    }

    private static Func<TContext, bool> CompileExists<TContext>(FieldAccessor<TContext> f)
    {
        if (f.String is { } s)
        {
            return c => s(c) is not null;
        }

        if (f.Strings is { } ss)
        {
            return c => ss(c) is { Count: > 0 };
        }

        if (f.Number is { } n)
        {
            return c => n(c, out _);
        }

        if (f.Numbers is { } ns)
        {
            return c => ns(c) is { Count: > 0 };
        }

        if (f.Addresses is { } a)
        {
            return c => a(c) is { Count: > 0 };
        }

        var b = f.Bytes!;
        return c => b(c) is not null;
    }

    private static FilterSyntaxException Unsupported(string filter, CheckNode check)
        => new(filter, check.OperatorPosition, $"The operator '{check.Operator.ToString().ToLowerInvariant()}' does not apply to the {check.Field.Field.Type} field '{check.Field}'.");

    private static Func<string, bool> StringTest<TContext>(string filter, CheckNode check, FieldAccessor<TContext> field)
    {
        string[] values = check.Values.Select(v => field.ValueValidator is { } validate ? validate(v) : v.Text).ToArray();
        string x = values[0];
        switch (check.Operator)
        {
            case FilterOperator.Equal: return v => string.Equals(v, x, StringComparison.Ordinal);
            case FilterOperator.NotEqual: return v => !string.Equals(v, x, StringComparison.Ordinal);
            case FilterOperator.Less: return v => string.CompareOrdinal(v, x) < 0;
            case FilterOperator.LessOrEqual: return v => string.CompareOrdinal(v, x) <= 0;
            case FilterOperator.Greater: return v => string.CompareOrdinal(v, x) > 0;
            case FilterOperator.GreaterOrEqual: return v => string.CompareOrdinal(v, x) >= 0;
            case FilterOperator.Contains: return v => v.Contains(x, StringComparison.Ordinal);
            case FilterOperator.IContains: return v => v.Contains(x, StringComparison.OrdinalIgnoreCase);
            case FilterOperator.StartsWith: return v => v.StartsWith(x, StringComparison.Ordinal);
            case FilterOperator.EndsWith: return v => v.EndsWith(x, StringComparison.Ordinal);
            case FilterOperator.Glob:
            {
                var glob = new GlobPattern(x, ignoreCase: false);
                return glob.IsMatch;
            }

            case FilterOperator.IGlob:
            {
                var glob = new GlobPattern(x, ignoreCase: true);
                return glob.IsMatch;
            }

            case FilterOperator.In:
            case FilterOperator.Intersects:
            {
                var set = new HashSet<string>(values, StringComparer.Ordinal);
                return set.Contains;
            }

            case FilterOperator.PMatch:
            {
                string[] prefixes = values.Select(p => p.Length > 1 ? p.TrimEnd('/') : p).ToArray();
                return v =>
                {
                    foreach (string p in prefixes)
                    {
                        if (v.StartsWith(p, StringComparison.Ordinal)
                            && (v.Length == p.Length || v[p.Length] == '/' || p == "/"))
                        {
                            return true;
                        }
                    }

                    return false;
                };
            }

            case FilterOperator.BContains:
            case FilterOperator.BStartsWith:
            {
                var bytesTest = BytesTest(filter, check);
                return v => bytesTest(System.Text.Encoding.Latin1.GetBytes(v));
            }

            default:
                throw Unsupported(filter, check);
        }
    }
}
