using System.Globalization;
using System.Text.RegularExpressions;

namespace KForensics.Core.Kubernetes;

/// <summary>
/// The kubelet names an archive checkpoint-&lt;pod&gt;_&lt;namespace&gt;-&lt;container&gt;-&lt;RFC 3339 time&gt;.tar. The
/// time holds ':' characters, which Windows file names cannot, so local copies replace them.
/// </summary>
public static partial class NodeCheckpointName
{
    [GeneratedRegex(@"^checkpoint-(?<pod>[^_/]+)_(?<rest>.+)-(?<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))\.tar$")]
    private static partial Regex NamePattern();

    /// <summary>
    /// Splits a kubelet archive name. Namespace and container names may both hold '-', so the split is
    /// taken where the namespace part is one of <paramref name="namespaces"/>; without a match both are null.
    /// </summary>
    public static (string Pod, string? Namespace, string? Container, DateTime? TimeUtc)? Parse(string fileName, IReadOnlyCollection<string>? namespaces)
    {
        Match m = NamePattern().Match(fileName);
        if (!m.Success)
        {
            return null;
        }

        string rest = m.Groups["rest"].Value;
        string? ns = null, container = null;
        for (int i = rest.IndexOf('-'); i > 0; i = rest.IndexOf('-', i + 1))
        {
            string candidate = rest[..i];
            if (namespaces is not null && namespaces.Contains(candidate))
            {
                ns = candidate;
                container = rest[(i + 1)..];
                break;
            }
        }

        DateTime? time = DateTimeOffset.TryParse(m.Groups["time"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset t)
            ? t.UtcDateTime
            : null;
        return (m.Groups["pod"].Value, ns, container, time);
    }

    /// <summary>A file name that every file system accepts: ':' and other characters Windows refuses become '-'.</summary>
    public static string LocalName(string nodeFileName)
    {
        char[] chars = nodeFileName.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (chars[i] is ':' or '<' or '>' or '"' or '\\' or '|' or '?' or '*' or '/' || chars[i] < ' ')
            {
                chars[i] = '-';
            }
        }

        return new string(chars);
    }
}
