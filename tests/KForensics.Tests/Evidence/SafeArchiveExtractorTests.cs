using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using KForensics.Core.Evidence;
using Xunit;
using ZstdSharp;

namespace KForensics.Tests.Evidence;

/// <summary>The extractor tells compression apart by content, hashes the archive in its one pass, and unpacks only what is asked.</summary>
public sealed class SafeArchiveExtractorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kf-extract-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly (string Name, byte[] Data)[] Members =
    [
        ("checkpoint/inventory.img", [1, 2, 3]),
        ("checkpoint/pages-1.img", Enumerable.Range(0, 70000).Select(i => (byte)(i * 7)).ToArray()),
        ("config.dump", "{\"id\":\"x\"}"u8.ToArray()),
    ];

    private string Write(string name, ArchiveCompression compression)
    {
        string path = Path.Combine(_dir, name);
        using (FileStream file = File.Create(path))
        using (Stream packed = compression switch
        {
            ArchiveCompression.Gzip => new GZipStream(file, CompressionLevel.Fastest),
            ArchiveCompression.Zstd => new CompressionStream(file),
            _ => file,
        })
        using (var tar = new TarWriter(packed, TarEntryFormat.Pax, leaveOpen: true))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "./"));
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "checkpoint/"));
            foreach ((string member, byte[] data) in Members)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, member) { DataStream = new MemoryStream(data) });
            }
        }

        return path;
    }

    [Theory]
    [InlineData(ArchiveCompression.None)]
    [InlineData(ArchiveCompression.Gzip)]
    [InlineData(ArchiveCompression.Zstd)]
    public async Task Reads_every_compression_and_hashes_the_archive_itself(ArchiveCompression compression)
    {
        string archive = Write("a-" + compression + ".bin", compression);
        ExtractedArchive result = await SafeArchiveExtractor.ExtractAsync(archive, Path.Combine(_dir, "out-" + compression), null, CancellationToken.None);
        Assert.Equal(compression, result.Compression);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(archive))).ToLowerInvariant(), result.Sha256);
        Assert.Equal(new FileInfo(archive).Length, result.Length);
        foreach ((string member, byte[] data) in Members)
        {
            Assert.Equal(data, File.ReadAllBytes(Path.Combine(_dir, "out-" + compression, member)));
            Assert.Equal(Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant(), result.Files[member].Sha256);
        }

        Assert.Equal(["checkpoint", "checkpoint/inventory.img", "checkpoint/pages-1.img", "config.dump"], result.Members.Select(m => m.Name));
        Assert.True(result.Members[0].IsDirectory);
        Assert.Equal(70000, result.Members.Single(m => m.Name == "checkpoint/pages-1.img").Length);
    }

    [Fact]
    public async Task Unpacks_only_what_is_asked_but_lists_and_hashes_everything()
    {
        string archive = Write("select.tar.zst", ArchiveCompression.Zstd);
        string target = Path.Combine(_dir, "select");
        ExtractedArchive result = await SafeArchiveExtractor.ExtractAsync(archive, target, n => !n.Contains("pages-"), CancellationToken.None);
        Assert.False(File.Exists(Path.Combine(target, "checkpoint", "pages-1.img")));
        Assert.True(File.Exists(Path.Combine(target, "checkpoint", "inventory.img")));
        Assert.Equal(4, result.Members.Count);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(archive))).ToLowerInvariant(), result.Sha256);
    }

    [Fact]
    public async Task A_hostile_member_is_refused_even_when_it_would_not_be_unpacked()
    {
        string archive = Path.Combine(_dir, "hostile.tar");
        using (FileStream file = File.Create(archive))
        using (var tar = new TarWriter(file, TarEntryFormat.Pax))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "checkpoint/../../evil") { DataStream = new MemoryStream([1]) });
        }

        var ex = await Assert.ThrowsAsync<ArchiveException>(() => SafeArchiveExtractor.ExtractAsync(archive, Path.Combine(_dir, "h"), _ => false, CancellationToken.None));
        Assert.Equal(ArchiveErrorKind.UnsafePath, ex.Kind);
        Assert.False(File.Exists(Path.Combine(_dir, "evil")));
    }

    [Fact]
    public async Task A_truncated_zstd_archive_is_invalid_not_a_crash()
    {
        string archive = Write("cut.tar.zst", ArchiveCompression.Zstd);
        byte[] bytes = File.ReadAllBytes(archive);
        File.WriteAllBytes(archive, bytes[..(bytes.Length / 2)]);
        var ex = await Assert.ThrowsAsync<ArchiveException>(() => SafeArchiveExtractor.ExtractAsync(archive, Path.Combine(_dir, "cut"), null, CancellationToken.None));
        Assert.Equal(ArchiveErrorKind.Invalid, ex.Kind);
    }
}
