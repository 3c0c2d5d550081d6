using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using KForensics.Core.Checkpoints;
using KForensics.Core.Docker;
using KForensics.Core.Evidence;
using Xunit;

namespace KForensics.Tests.Checkpoints;

/// <summary>Archive verification without an engine: what import checks before it touches anything.</summary>
public sealed class CheckpointArchiveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kf-archive-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Build(string file, Action<TarWriter, List<(string Name, byte[] Data)>> members, bool manifestListsAll = true, string? tamper = null)
    {
        string path = Path.Combine(_dir, file);
        var written = new List<(string Name, byte[] Data)>();
        using (var stream = File.Create(path))
        using (var gzip = new GZipStream(stream, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: false))
        {
            members(tar, written);
            var manifest = new CheckpointManifest { Checkpoint = { Name = "cp1" } };
            foreach (var (name, data) in written.Skip(manifestListsAll ? 0 : 1))
            {
                byte[] recorded = name == tamper ? Encoding.UTF8.GetBytes("other") : data;
                manifest.Members.Add(new CheckpointManifest.ManifestMember
                {
                    Path = name, Length = recorded.Length, Sha256 = Convert.ToHexString(SHA256.HashData(recorded)).ToLowerInvariant(),
                });
            }

            Add(tar, CheckpointManifest.FileName, manifest.ToJson(), null);
        }

        return path;
    }

    private static void Add(TarWriter tar, string name, byte[] data, List<(string, byte[])>? written)
    {
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        written?.Add((name, data));
    }

    private static void Valid(TarWriter tar, List<(string, byte[])> written)
    {
        Add(tar, "checkpoint/inventory.img", new byte[] { 1, 2, 3 }, written);
        Add(tar, "container.json", Encoding.UTF8.GetBytes("{}"), written);
        var empty = new MemoryStream();
        new TarWriter(empty, leaveOpen: true).Dispose();
        Add(tar, "rootfs-diff.tar", empty.ToArray(), written);
    }

    [Fact]
    public async Task Accepts_an_archive_whose_members_match_the_manifest()
    {
        string archive = Build("ok.tar.gz", Valid);
        CheckpointManifest manifest = await CheckpointImporter.VerifyAsync(archive, Path.Combine(_dir, "ok"), CancellationToken.None);
        Assert.Equal("cp1", manifest.Checkpoint.Name);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(Path.Combine(_dir, "ok", "checkpoint", "inventory.img")));
    }

    [Fact]
    public async Task Refuses_a_member_whose_hash_differs()
    {
        string archive = Build("tampered.tar.gz", Valid, tamper: "checkpoint/inventory.img");
        var ex = await Assert.ThrowsAsync<DockerEngineException>(() => CheckpointImporter.VerifyAsync(archive, Path.Combine(_dir, "t"), CancellationToken.None));
        Assert.Equal(DockerErrorKind.ArchiveHashMismatch, ex.Kind);
        Assert.Contains("checkpoint/inventory.img", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_a_member_the_manifest_does_not_list()
    {
        string archive = Build("extra.tar.gz", Valid, manifestListsAll: false);
        var ex = await Assert.ThrowsAsync<DockerEngineException>(() => CheckpointImporter.VerifyAsync(archive, Path.Combine(_dir, "e"), CancellationToken.None));
        Assert.Equal(DockerErrorKind.ArchiveHashMismatch, ex.Kind);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("checkpoint/../../escape")]
    [InlineData("/tmp/escape")]
    public async Task Refuses_names_that_leave_the_directory(string name)
    {
        string archive = Build("names.tar.gz", (tar, w) => Add(tar, name, new byte[] { 7 }, w));
        string target = Path.Combine(_dir, "n", "inner");
        var ex = await Assert.ThrowsAsync<ArchiveException>(() => SafeArchiveExtractor.ExtractAsync(archive, target, CancellationToken.None));
        Assert.Equal(ArchiveErrorKind.UnsafePath, ex.Kind);
        Assert.False(File.Exists(Path.Combine(_dir, "n", "escape")));
        Assert.False(File.Exists(Path.Combine(_dir, "escape")));
    }

    [Theory]
    [InlineData("../../outside")]
    [InlineData("/etc")]
    public async Task Refuses_links_that_leave_the_directory(string target)
    {
        string archive = Build("links.tar.gz", (tar, _) =>
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "checkpoint/link") { LinkName = target }));
        var ex = await Assert.ThrowsAsync<ArchiveException>(() => SafeArchiveExtractor.ExtractAsync(archive, Path.Combine(_dir, "l"), CancellationToken.None));
        Assert.Equal(ArchiveErrorKind.UnsafePath, ex.Kind);
        Assert.False(File.Exists(Path.Combine(_dir, "l", "checkpoint", "link")) || Directory.Exists(Path.Combine(_dir, "l", "checkpoint", "link")));
    }

    [Fact]
    public async Task Keeps_a_link_that_stays_inside()
    {
        string archive = Build("inner-link.tar.gz", (tar, w) =>
        {
            Add(tar, "checkpoint/a.img", new byte[] { 9 }, w);
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "checkpoint/b.img") { LinkName = "a.img" });
        });
        IReadOnlyDictionary<string, EvidenceFile> files = await SafeArchiveExtractor.ExtractAsync(archive, Path.Combine(_dir, "i"), CancellationToken.None);
        Assert.Equal("2b4c342f5433ebe591a1da77e013d1b72475562d48578dca8b84bac6651c3cb9", files["checkpoint/a.img"].Sha256);
        Assert.Equal(new byte[] { 9 }, File.ReadAllBytes(Path.Combine(_dir, "i", "checkpoint", "b.img")));
    }
}
