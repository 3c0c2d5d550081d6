using System.IO.Compression;
using ZstdSharp;

namespace KForensics.Core.Evidence;

/// <summary>How a tar archive is compressed, told apart by its first bytes, never by its name.</summary>
public enum ArchiveCompression
{
    None,
    Gzip,
    Zstd,
}

/// <summary>Detects the compression of an archive and opens a decompressing view of it.</summary>
public static class ArchiveStreams
{
    private static readonly byte[] ZstdMagic = [0x28, 0xB5, 0x2F, 0xFD];

    public static ArchiveCompression Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            return ArchiveCompression.Gzip;
        }

        return head.Length >= 4 && head[..4].SequenceEqual(ZstdMagic) ? ArchiveCompression.Zstd : ArchiveCompression.None;
    }

    /// <summary>Reads the first bytes of a seekable stream and rewinds it.</summary>
    public static ArchiveCompression Detect(Stream stream)
    {
        Span<byte> head = stackalloc byte[4];
        int read = 0;
        while (read < head.Length)
        {
            int n = stream.Read(head[read..]);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        stream.Position = 0;
        return Detect(head[..read]);
    }

    /// <summary>A decompressing stream over <paramref name="raw"/>, which it disposes.</summary>
    public static Stream Decompress(Stream raw, ArchiveCompression compression) => compression switch
    {
        ArchiveCompression.Gzip => new GZipStream(raw, CompressionMode.Decompress),
        ArchiveCompression.Zstd => new DecompressionStream(raw),
        _ => raw,
    };
}
