using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>The label selector grammar the API server accepts: k=v, k==v, k!=v, k, !k, k in (a,b), k notin (a,b).</summary>
public static class LabelSelector
{
    private static readonly string[] Operators = ["!=", "==", "="];

    public static bool Matches(string? selector, JsonObject? labels)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return true;
        }

        foreach (string term in SplitTerms(selector))
        {
            if (!MatchesTerm(term.Trim(), labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>fieldSelector: only metadata.name and metadata.namespace, which is what clients use for single-object watches.</summary>
    public static bool MatchesFields(string? selector, JsonObject pod)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return true;
        }

        foreach (string term in selector.Split(','))
        {
            string[] kv = term.Split(Operators, 2, StringSplitOptions.None);
            bool negate = term.Contains("!=", StringComparison.Ordinal);
            string? actual = kv[0].Trim() switch
            {
                "metadata.name" => pod["metadata"]?["name"]?.GetValue<string>(),
                "metadata.namespace" => pod["metadata"]?["namespace"]?.GetValue<string>(),
                _ => throw new ArgumentException($"field label not supported: {kv[0]}"),
            };
            if ((actual == kv[1].Trim()) == negate)
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<string> SplitTerms(string selector)
    {
        int depth = 0, start = 0;
        for (int i = 0; i < selector.Length; i++)
        {
            if (selector[i] == '(')
            {
                depth++;
            }
            else if (selector[i] == ')')
            {
                depth--;
            }
            else if (selector[i] == ',' && depth == 0)
            {
                yield return selector[start..i];
                start = i + 1;
            }
        }

        yield return selector[start..];
    }

    private static bool MatchesTerm(string term, JsonObject? labels)
    {
        string? Get(string key) => labels?[key]?.GetValue<string>();
        string[] words = term.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 3 && (words[1] == "in" || words[1] == "notin"))
        {
            var set = words[2].Trim('(', ')', ' ').Split(',').Select(v => v.Trim()).ToHashSet();
            string? value = Get(words[0]);
            return words[1] == "in" ? value is not null && set.Contains(value) : value is null || !set.Contains(value);
        }

        if (term.Contains("!=", StringComparison.Ordinal))
        {
            string[] kv = term.Split("!=", 2);
            return Get(kv[0].Trim()) != kv[1].Trim();
        }

        if (term.Contains('='))
        {
            string[] kv = term.Split(term.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
            return Get(kv[0].Trim()) == kv[1].Trim();
        }

        return term.StartsWith('!') ? Get(term[1..]) is null : Get(term) is not null;
    }
}
