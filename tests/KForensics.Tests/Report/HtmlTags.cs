using System.Text.RegularExpressions;
using KForensics.Core.Report;
using Xunit;

namespace KForensics.Tests.Report;

/// <summary>
/// A strict reading of a report page: every '&lt;' outside the page's own style sheet and script must open
/// a tag from a short list with attributes from a short list, and every '&amp;' must start one of the
/// entities the encoder writes. Anything a capture smuggled past the encoder fails one of these.
/// </summary>
internal static partial class HtmlTags
{
    private static readonly HashSet<string> Elements =
    [
        "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "code", "nav", "a", "section", "div",
        "table", "thead", "tbody", "tr", "th", "td", "span", "figure", "svg", "g", "rect", "path", "circle", "text", "line", "script",
    ];

    private static readonly HashSet<string> Attributes =
    [
        "lang", "charset", "http-equiv", "content", "name", "id", "class", "href", "scope", "viewBox", "width", "height", "role",
        "aria-labelledby", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "d",
    ];

    public sealed record Tag(string Name, bool Closing, IReadOnlyDictionary<string, string> Attributes);

    /// <summary>Every tag of the page, in order; fails the test at the first thing that is not one.</summary>
    public static List<Tag> Parse(string html)
    {
        string body = StripAsset(StripAsset(html, "style", ReportAssets.Css), "script", ReportAssets.Script);
        Assert.StartsWith("<!DOCTYPE html>\n", body, StringComparison.Ordinal);
        body = body["<!DOCTYPE html>\n".Length..];

        var tags = new List<Tag>();
        int at = 0;
        foreach (Match m in TagPattern().Matches(body))
        {
            AssertText(body[at..m.Index]);
            at = m.Index + m.Length;
            string name = m.Groups["name"].Value;
            Assert.True(Elements.Contains(name), $"Unexpected element <{name}> at {m.Index}: {Context(body, m.Index)}");
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match a in AttributePattern().Matches(m.Groups["attrs"].Value))
            {
                string attribute = a.Groups["name"].Value;
                Assert.True(Attributes.Contains(attribute) || attribute.StartsWith("data-", StringComparison.Ordinal),
                    $"Unexpected attribute {attribute} on <{name}>: {Context(body, m.Index)}");
                AssertText(a.Groups["value"].Value);
                attributes[attribute] = a.Groups["value"].Value;
            }

            if (attributes.TryGetValue("href", out string? href))
            {
                Assert.StartsWith("#", href, StringComparison.Ordinal);
            }

            tags.Add(new Tag(name, m.Groups["close"].Success, attributes));
        }

        AssertText(body[at..]);
        return tags;
    }

    /// <summary>Text between tags (or an attribute value): no markup characters, and only the encoder's entities.</summary>
    private static void AssertText(string text)
    {
        Assert.DoesNotContain('<', text);
        Assert.DoesNotContain('>', text);
        Assert.DoesNotContain('"', text);
        foreach (Match m in AmpersandPattern().Matches(text))
        {
            Assert.Matches("^&(amp|lt|gt|quot|#39);", text[m.Index..Math.Min(text.Length, m.Index + 6)]);
        }
    }

    private static string StripAsset(string html, string element, string content)
    {
        string whole = $"<{element}>{content}</{element}>";
        int first = html.IndexOf(whole, StringComparison.Ordinal);
        Assert.True(first >= 0, $"The page lacks its <{element}>.");
        Assert.Equal(-1, html.IndexOf(whole, first + 1, StringComparison.Ordinal));
        return html.Remove(first + element.Length + 2, content.Length);
    }

    private static string Context(string body, int index) => body[Math.Max(0, index - 40)..Math.Min(body.Length, index + 80)];

    [GeneratedRegex("""<(?<close>/)?(?<name>[A-Za-z][A-Za-z0-9]*)(?<attrs>(?:\s+[A-Za-z][A-Za-z0-9:-]*(?:="[^"]*")?)*)\s*/?>""")]
    private static partial Regex TagPattern();

    [GeneratedRegex("""(?<name>[A-Za-z][A-Za-z0-9:-]*)(?:="(?<value>[^"]*)")?""")]
    private static partial Regex AttributePattern();

    [GeneratedRegex("&")]
    private static partial Regex AmpersandPattern();
}
