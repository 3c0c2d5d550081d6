using System.Security.Cryptography;

namespace KForensics.Core.Evidence;

/// <summary>One acquired file: where it sits (relative, '/'-separated), its size and its SHA-256.</summary>
public sealed class EvidenceFile
{
    public EvidenceFile(string relativePath, long length, string sha256)
    {
        RelativePath = relativePath;
        Length = length;
        Sha256 = sha256;
    }

    public string RelativePath { get; }

    public long Length { get; }

    /// <summary>Lower-case hex.</summary>
    public string Sha256 { get; }

    public override string ToString() => RelativePath + " " + Sha256;

    public static async Task<EvidenceFile> FromFileAsync(string path, string relativePath, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        string hash = await HashAsync(stream, cancellationToken).ConfigureAwait(false);
        return new EvidenceFile(relativePath, stream.Length, hash);
    }

    public static async Task<string> HashAsync(Stream stream, CancellationToken cancellationToken)
        => Convert.ToHexString(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false)).ToLowerInvariant();

    /// <summary>Every regular file under a directory, in ordinal path order so listings are stable.</summary>
    public static async Task<IReadOnlyList<EvidenceFile>> FromDirectoryAsync(string directory, string prefix, CancellationToken cancellationToken)
    {
        var files = new List<EvidenceFile>();
        foreach (string file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string rel = prefix + Path.GetRelativePath(directory, file).Replace('\\', '/');
            files.Add(await FromFileAsync(file, rel, cancellationToken).ConfigureAwait(false));
        }

        return files;
    }
}
