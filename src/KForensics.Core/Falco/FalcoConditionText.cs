using System.Text;
using KForensics.Core.Filtering;

namespace KForensics.Core.Falco;

/// <summary>
/// The text side of Falco's conditions: lists substituted into condition text as Falco does it,
/// and an expanded condition tree written back as text that any sysdig reads the same way
/// (every and/or bracketed, values quoted only where they must be).
/// </summary>
internal static class FalcoConditionText
{
    /// <summary>
    /// Replaces every occurrence of <paramref name="name"/> delimited by a blank, <c>(</c>, <c>)</c>,
    /// <c>,</c>, <c>=</c> or the ends of the text by the list's items, comma-separated, an item with a
    /// blank quoted unless it already is. An empty list also takes away one adjacent comma.
    /// </summary>
    internal static string SubstituteList(string condition, string name, IReadOnlyList<string> items, out bool used)
    {
        used = false;
        if (condition.IndexOf(name, StringComparison.Ordinal) < 0)
        {
            return condition;
        }

        string replacement = string.Join(", ", items.Select(Quote));
        var text = new StringBuilder(condition.Length + replacement.Length);
        int from = 0;
        int at = condition.IndexOf(name, StringComparison.Ordinal);
        while (at >= 0)
        {
            int end = at + name.Length;
            bool delimited = (at == 0 || IsDelimiter(condition[at - 1])) && (end == condition.Length || IsDelimiter(condition[end]));
            if (!delimited)
            {
                at = condition.IndexOf(name, at + 1, StringComparison.Ordinal);
                continue;
            }

            used = true;
            int cutStart = at;
            int cutEnd = end;
            if (items.Count == 0)
            {
                int before = at - 1;
                while (before >= from && condition[before] == ' ')
                {
                    before--;
                }

                int after = end;
                while (after < condition.Length && condition[after] == ' ')
                {
                    after++;
                }

                if (before >= from && condition[before] == ',')
                {
                    cutStart = before;
                }
                else if (after < condition.Length && condition[after] == ',')
                {
                    cutEnd = after + 1;
                }
            }

            text.Append(condition, from, cutStart - from).Append(replacement);
            from = cutEnd;
            at = condition.IndexOf(name, cutEnd, StringComparison.Ordinal);
        }

        text.Append(condition, from, condition.Length - from);
        return text.ToString();
    }

    private static bool IsDelimiter(char c) => c is ' ' or '\t' or '\n' or '\r' or '(' or ')' or ',' or '=';

    /// <summary>An item with a blank in quotes, unless it already stands in quotes.</summary>
    internal static string Quote(string item)
    {
        bool quoted = item.Length >= 2 && (item[0] == '"' && item[^1] == '"' || item[0] == '\'' && item[^1] == '\'');
        return !quoted && item.Contains(' ', StringComparison.Ordinal) ? $"\"{item}\"" : item;
    }

    /// <summary>The condition tree as text: and/or chains in brackets, checks as field, operator, value.</summary>
    internal static string Write(FilterNode node)
    {
        var text = new StringBuilder();
        Write(node, text, top: true);
        return text.ToString();
    }

    private static void Write(FilterNode node, StringBuilder text, bool top)
    {
        switch (node)
        {
            case AndNode or OrNode:
            {
                bool isAnd = node is AndNode;
                var terms = new List<FilterNode>();
                Flatten(node, isAnd, terms);
                if (!top)
                {
                    text.Append('(');
                }

                for (int i = 0; i < terms.Count; i++)
                {
                    if (i > 0)
                    {
                        text.Append(isAnd ? " and " : " or ");
                    }

                    Write(terms[i], text, top: false);
                }

                if (!top)
                {
                    text.Append(')');
                }

                break;
            }

            case NotNode not:
                text.Append("not ");
                if (not.Operand is CheckNode)
                {
                    Write(not.Operand, text, top: false);
                }
                else
                {
                    text.Append('(');
                    Write(not.Operand, text, top: true);
                    text.Append(')');
                }

                break;

            case CheckNode check:
                WriteCheck(check, text);
                break;

            case MacroNode macro:
                text.Append(macro.Name);
                break;

            default:
                throw new ArgumentException("Unknown condition node.", nameof(node));
        }
    }

    private static void Flatten(FilterNode node, bool isAnd, List<FilterNode> terms)
    {
        if (isAnd && node is AndNode and)
        {
            Flatten(and.Left, isAnd, terms);
            Flatten(and.Right, isAnd, terms);
        }
        else if (!isAnd && node is OrNode or)
        {
            Flatten(or.Left, isAnd, terms);
            Flatten(or.Right, isAnd, terms);
        }
        else
        {
            terms.Add(node);
        }
    }

    private static void WriteCheck(CheckNode check, StringBuilder text)
    {
        text.Append(check.Field.Text ?? check.Field.ToString()).Append(' ').Append(OperatorText(check.Operator));
        switch (check.Operator)
        {
            case FilterOperator.Exists:
                return;
            case FilterOperator.In or FilterOperator.Intersects or FilterOperator.PMatch:
                text.Append(" (");
                for (int i = 0; i < check.Values.Count; i++)
                {
                    text.Append(i > 0 ? ", " : string.Empty).Append(Value(check.Values[i].Text, inList: true));
                }

                text.Append(')');
                return;
            default:
                text.Append(' ').Append(Value(check.Values[0].Text, inList: false));
                return;
        }
    }

    internal static string OperatorText(FilterOperator op) => op switch
    {
        FilterOperator.Equal => "=",
        FilterOperator.NotEqual => "!=",
        FilterOperator.Less => "<",
        FilterOperator.LessOrEqual => "<=",
        FilterOperator.Greater => ">",
        FilterOperator.GreaterOrEqual => ">=",
        _ => op.ToString().ToLowerInvariant(),
    };

    /// <summary>A value bare when the parser reads it back unchanged, else in double quotes with \ and " escaped.</summary>
    private static string Value(string value, bool inList)
    {
        bool bare = value.Length > 0 && value[0] is not '"' and not '\''
            && !value.Any(c => c is ' ' or '\t' or '\r' or '\n' or '(' or ')' || (inList && c == ','));
        if (bare)
        {
            return value;
        }

        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\t': text.Append("\\t"); break;
                case '\r': text.Append("\\r"); break;
                default: text.Append(c); break;
            }
        }

        return text.Append('"').ToString();
    }
}
