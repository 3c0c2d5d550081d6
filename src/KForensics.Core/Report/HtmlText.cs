using System.Globalization;
using System.Text;

namespace KForensics.Core.Report;

/// <summary>
/// HTML encoding for text that comes from captures. Captures are written by whatever ran on the node,
/// so process names, command lines and file names are attacker-controlled: every one of them goes
/// through here, in element content and in quoted attribute values alike.
/// </summary>
internal static class HtmlText
{
    /// <summary>Encodes <paramref name="text"/> for element content or a double- or single-quoted attribute value.</summary>
    public static string Encode(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (!NeedsEncoding(text))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 16);
        Append(sb, text);
        return sb.ToString();
    }

    /// <summary>Appends the encoded form of <paramref name="text"/> to <paramref name="sb"/>.</summary>
    public static void Append(StringBuilder sb, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                case '\t' or '\n':
                    sb.Append(c);
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        sb.Append(c).Append(text[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        // A lone surrogate cannot be written as UTF-8; show that something was there.
                        sb.Append('\uFFFD');
                    }
                    else if (char.IsControl(c))
                    {
                        // Control bytes (escape sequences, NUL) are shown, not passed to the browser.
                        sb.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }
    }

    private static bool NeedsEncoding(string text)
    {
        foreach (char c in text)
        {
            if (c is '&' or '<' or '>' or '"' or '\'' || char.IsControl(c) || char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }
}
