using System.Security.Cryptography;

namespace KForensics.Core.Evidence;

/// <summary>SHA-256 as lowercase hex, the form sha256sum prints and custody manifests record.</summary>
public static class EvidenceHash
{
    private static readonly char[] Blanks = [' ', '\t', '\n'];

    public static async Task<string> Sha256FileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        byte[] hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexString(hash).ToLowerInvariant();
    }

    public static string ToHex(ReadOnlySpan<byte> hash) => Convert.ToHexString(hash).ToLowerInvariant();

    /// <summary>Reads the hash from a line of sha256sum output ("hex  path"); null when the line is not one.</summary>
    public static string? ParseSha256Sum(string output)
    {
        string first = output.TrimStart().Split(Blanks, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;
        first = first.TrimStart('\\').ToLowerInvariant();
        return first.Length == 64 && first.All(Uri.IsHexDigit) ? first : null;
    }
}
