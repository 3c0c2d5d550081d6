using System.Globalization;
using System.Text;

namespace KForensics.Core.Filtering;

/// <summary>
/// Parses the sysdig filter language into a <see cref="FilterNode"/> tree. Follows current
/// falcosecurity/libs where it differs from sysdig 0.29.3: <c>and</c> binds tighter than <c>or</c>
/// (0.29.3 rejects mixing them without brackets), <c>==</c> is an alias of <c>=</c>, operators are
/// matched as whole words (so <c>intersects</c> works), a quoted value must end with the quote
/// it began with, and an empty list (<c>in ()</c>, as Falco leaves it) is a set that matches nothing.
/// </summary>
public sealed class FilterParser
{
    private static readonly Dictionary<string, FilterOperator> WordOperators = new(StringComparer.Ordinal)
    {
        ["contains"] = FilterOperator.Contains,
        ["icontains"] = FilterOperator.IContains,
        ["bcontains"] = FilterOperator.BContains,
        ["startswith"] = FilterOperator.StartsWith,
        ["bstartswith"] = FilterOperator.BStartsWith,
        ["endswith"] = FilterOperator.EndsWith,
        ["glob"] = FilterOperator.Glob,
        ["iglob"] = FilterOperator.IGlob,
        ["in"] = FilterOperator.In,
        ["intersects"] = FilterOperator.Intersects,
        ["pmatch"] = FilterOperator.PMatch,
        ["exists"] = FilterOperator.Exists,
    };

    private readonly string _text;
    private readonly bool _allowMacros;
    private int _pos;

    private FilterParser(string text, bool allowMacros)
    {
        _text = text;
        _allowMacros = allowMacros;
    }

    /// <summary>Parses <paramref name="filter"/>; throws <see cref="FilterSyntaxException"/> with the position on error.</summary>
    public static FilterNode Parse(string filter) => Parse(filter, allowMacros: false);

    /// <summary>
    /// Parses <paramref name="filter"/>; with <paramref name="allowMacros"/>, a bare name where a check
    /// would stand (followed by <c>and</c>, <c>or</c>, <c>)</c> or the end) is a <see cref="MacroNode"/>
    /// for the caller to substitute, as Falco's rule conditions use them.
    /// </summary>
    public static FilterNode Parse(string filter, bool allowMacros)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var parser = new FilterParser(filter, allowMacros);
        parser.SkipBlanks();
        if (parser.AtEnd)
        {
            throw new FilterSyntaxException(filter, 0, "The filter is empty.");
        }

        FilterNode node = parser.ParseOr();
        parser.SkipBlanks();
        if (!parser.AtEnd)
        {
            throw parser.Error(parser._pos, parser.Peek() == ')'
                ? "Unbalanced ')': no '(' is open here."
                : "Expected 'and', 'or' or the end of the filter.");
        }

        return node;
    }

    private bool AtEnd => _pos >= _text.Length;

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private FilterSyntaxException Error(int position, string reason, IReadOnlyList<string>? suggestions = null)
        => new(_text, position, reason, suggestions);

    private FilterNode ParseOr()
    {
        FilterNode left = ParseAnd();
        while (TryKeyword("or", out int at))
        {
            left = new OrNode(left, ParseAnd(), at);
        }

        return left;
    }

    private FilterNode ParseAnd()
    {
        FilterNode left = ParseNot();
        while (TryKeyword("and", out int at))
        {
            left = new AndNode(left, ParseNot(), at);
        }

        return left;
    }

    private FilterNode ParseNot()
    {
        if (TryKeyword("not", out int at))
        {
            return new NotNode(ParseNot(), at);
        }

        return ParsePrimary();
    }

    private FilterNode ParsePrimary()
    {
        SkipBlanks();
        if (AtEnd)
        {
            throw Error(_pos, "Unexpected end of filter: a field check or '(' is missing.");
        }

        if (Peek() == '(')
        {
            int open = _pos++;
            FilterNode inner = ParseOr();
            SkipBlanks();
            if (Peek() != ')')
            {
                throw Error(AtEnd ? open : _pos, AtEnd ? "This '(' is never closed." : "Expected ')'.");
            }

            _pos++;
            return inner;
        }

        if (_allowMacros && TryMacro() is { } macro)
        {
            return macro;
        }

        return ParseCheck();
    }

    /// <summary>A bare identifier not followed by an operator; the position is left unchanged otherwise.</summary>
    private MacroNode? TryMacro()
    {
        int start = _pos;
        if (!(char.IsAsciiLetter(Peek()) || Peek() == '_'))
        {
            return null;
        }

        while (!AtEnd && (char.IsAsciiLetterOrDigit(Peek()) || Peek() is '_' or '.' or '-'))
        {
            _pos++;
        }

        int end = _pos;
        SkipBlanks();
        bool bare = AtEnd || Peek() == ')' || IsKeywordHere("and") || IsKeywordHere("or");
        if (!bare)
        {
            _pos = start;
            return null;
        }

        return new MacroNode(_text[start..end], start);
    }

    private bool IsKeywordHere(string keyword)
    {
        if (string.CompareOrdinal(_text, _pos, keyword, 0, keyword.Length) != 0)
        {
            return false;
        }

        int after = _pos + keyword.Length;
        return after >= _text.Length || IsBlank(_text[after]) || _text[after] == '(';
    }

    private CheckNode ParseCheck()
    {
        int start = _pos;
        FieldReference field = ParseField();
        SkipBlanks();
        int opAt = _pos;
        FilterOperator op = ParseOperator(field);
        if (op == FilterOperator.Exists)
        {
            return new CheckNode(field, op, Array.Empty<FilterValue>(), start, opAt);
        }

        SkipBlanks();
        IReadOnlyList<FilterValue> values;
        if (op is FilterOperator.In or FilterOperator.Intersects or FilterOperator.PMatch)
        {
            if (Peek() != '(')
            {
                throw Error(_pos, $"Expected '(' and a list of values after '{_text.Substring(opAt, OperatorLength(opAt))}'.");
            }

            values = ParseList();
        }
        else
        {
            if (AtEnd || Peek() is '(' or ')')
            {
                throw Error(_pos, "Expected a value after the operator.");
            }

            values = new[] { ParseValue(inList: false) };
        }

        return new CheckNode(field, op, values, start, opAt);
    }

    private int OperatorLength(int at)
    {
        int end = at;
        while (end < _text.Length && char.IsLetter(_text[end]))
        {
            end++;
        }

        return Math.Max(1, end - at);
    }

    private FieldReference ParseField()
    {
        int start = _pos;
        if (!char.IsAsciiLetter(Peek()))
        {
            throw Error(_pos, AtEnd ? "Unexpected end of filter: a field name is missing." : $"Expected a field name, found '{Peek()}'.");
        }

        while (!AtEnd && (char.IsAsciiLetterOrDigit(Peek()) || Peek() is '.' or '_' or '-' or '/' or ':'))
        {
            _pos++;
        }

        string name = _text[start.._pos];
        string? bracket = null;
        if (Peek() == '[')
        {
            int open = _pos++;
            int close = _text.IndexOf(']', _pos);
            if (close < 0)
            {
                throw Error(open, "This '[' is never closed.");
            }

            bracket = _text[_pos..close];
            _pos = close + 1;
        }

        return FieldCatalog.Resolve(_text, name, bracket, start) with { Text = _text[start.._pos] };
    }

    private FilterOperator ParseOperator(FieldReference field)
    {
        int at = _pos;
        if (AtEnd)
        {
            throw Error(at, $"Unexpected end of filter: '{field}' needs an operator.");
        }

        string rest = _text[at..];
        foreach (var (symbol, op) in new[]
        {
            ("==", FilterOperator.Equal), ("!=", FilterOperator.NotEqual), ("<=", FilterOperator.LessOrEqual),
            (">=", FilterOperator.GreaterOrEqual), ("=", FilterOperator.Equal), ("<", FilterOperator.Less), (">", FilterOperator.Greater),
        })
        {
            if (rest.StartsWith(symbol, StringComparison.Ordinal))
            {
                _pos += symbol.Length;
                return op;
            }
        }

        int end = at;
        while (end < _text.Length && char.IsAsciiLetter(_text[end]))
        {
            end++;
        }

        string word = _text[at..end];
        if (word.Length > 0 && WordOperators.TryGetValue(word, out FilterOperator found))
        {
            _pos = end;
            return found;
        }

        throw Error(at, word.Length > 0 ? $"Unknown operator '{word}'." : $"Expected an operator after '{field}'.");
    }

    private List<FilterValue> ParseList()
    {
        int open = _pos++;
        var values = new List<FilterValue>();
        while (true)
        {
            SkipBlanks();
            if (AtEnd)
            {
                throw Error(open, "This '(' is never closed.");
            }

            if (Peek() == ')' && values.Count == 0)
            {
                _pos++;
                return values;
            }

            values.Add(ParseValue(inList: true));
            SkipBlanks();
            if (Peek() == ',')
            {
                _pos++;
                continue;
            }

            if (Peek() == ')')
            {
                _pos++;
                return values;
            }

            throw Error(AtEnd ? open : _pos, AtEnd ? "This '(' is never closed." : "Expected ',' or ')' in the list.");
        }
    }

    private FilterValue ParseValue(bool inList)
    {
        int start = _pos;
        char c = Peek();
        if (c is '"' or '\'')
        {
            return new FilterValue(ParseQuoted(c), start);
        }

        while (!AtEnd && !IsBlank(Peek()) && Peek() is not '(' and not ')' && !(inList && Peek() == ','))
        {
            _pos++;
        }

        if (_pos == start)
        {
            throw Error(start, "Expected a value.");
        }

        return new FilterValue(_text[start.._pos], start);
    }

    private string ParseQuoted(char quote)
    {
        int open = _pos++;
        var value = new StringBuilder();
        while (true)
        {
            if (AtEnd)
            {
                throw Error(open, "This quote is never closed.");
            }

            char c = _text[_pos++];
            if (c == quote)
            {
                return value.ToString();
            }

            if (c != '\\' || AtEnd)
            {
                value.Append(c);
                continue;
            }

            int escapeAt = _pos - 1;
            char e = _text[_pos++];
            switch (e)
            {
                case '\\': value.Append('\\'); break;
                case '"': value.Append('"'); break;
                case '\'': value.Append('\''); break;
                case 'n': value.Append('\n'); break;
                case 'r': value.Append('\r'); break;
                case 't': value.Append('\t'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case 'x':
                    if (_pos + 2 > _text.Length || !byte.TryParse(_text.AsSpan(_pos, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte b))
                    {
                        throw Error(escapeAt, "Unrecognized escape sequence: '\\x' needs two hex digits.");
                    }

                    value.Append((char)b);
                    _pos += 2;
                    break;
                default:
                    // As sysdig does: an unknown escape keeps both characters.
                    value.Append('\\').Append(e);
                    break;
            }
        }
    }

    private bool TryKeyword(string keyword, out int at)
    {
        SkipBlanks();
        at = _pos;
        if (string.CompareOrdinal(_text, _pos, keyword, 0, keyword.Length) != 0)
        {
            return false;
        }

        int after = _pos + keyword.Length;
        if (after < _text.Length && !IsBlank(_text[after]) && _text[after] != '(')
        {
            return false;
        }

        _pos = after;
        return true;
    }

    private void SkipBlanks()
    {
        while (!AtEnd && IsBlank(Peek()))
        {
            _pos++;
        }
    }

    private static bool IsBlank(char c) => c is ' ' or '\t' or '\r' or '\n';
}
