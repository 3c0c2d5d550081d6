using System.Buffers.Binary;
using System.Text;
using KForensics.Core.Checkpoints.Inspection;
using KForensics.Core.Criu;
using KForensics.Core.Criu.Images;
using Xunit;

namespace KForensics.Tests.Criu;

/// <summary>The CRIU image reader on image sets the tests write byte by byte: framing, the pagemap rules, and damaged input.</summary>
public sealed class CriuImageReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kf-criu-reader-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Put(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty).Replace("|", string.Empty));

    [Fact]
    public void ThePstreeTestVectorOfTheFormatReferenceReadsAsItsEntry()
    {
        // scap-format's sibling reference, criu-images.md 1.1: pstree {pid=1,ppid=0,pgid=1,sid=1,threads=[1]}.
        string path = Put("pstree.img", Hex("19 43 56 54 | 30 30 27 50 | 0a 00 00 00 | 08 01 10 00 18 01 20 01 28 01"));
        using CriuImageFile file = CriuImageFile.Open(path);
        List<PstreeEntry> entries = file.ReadAll(PstreeEntry.Parser);
        PstreeEntry only = Assert.Single(entries);
        Assert.Equal((1u, 0u, 1u, 1u), (only.Pid, only.Ppid, only.Pgid, only.Sid));
        Assert.Equal([1u], only.Threads);
        Assert.Equal(Hex("19 43 56 54 30 30 27 50 0a 00 00 00 08 01 10 00 18 01 20 01 28 01"),
            CriuImageWriter.Frame(CriuMagic.ImgCommon, CriuMagic.Pstree, only));
    }

    [Fact]
    public void AnImageOfMagicWordsOnlyHoldsNoEntries()
    {
        string path = Put("files.img", CriuImageWriter.Frame(CriuMagic.ImgCommon, CriuMagic.Files));
        using CriuImageFile file = CriuImageFile.Open(path);
        Assert.Empty(file.ReadAll(FileEntry.Parser));
    }

    [Fact]
    public void ServiceImagesAndTheInventoryHaveTheirOwnHeads()
    {
        var stats = new StatsEntry { Dump = new DumpStatsEntry { FreezingTime = 7, FrozenTime = 8, MemdumpTime = 9, MemwriteTime = 10, PagesScanned = 11, PagesSkippedParent = 0, PagesWritten = 12 } };
        string statsPath = Put("stats-dump", CriuImageWriter.Frame(CriuMagic.ImgService, CriuMagic.Stats, stats));
        using (CriuImageFile file = CriuImageFile.Open(statsPath))
        {
            Assert.Equal(12ul, file.Next(StatsEntry.Parser)!.Dump.PagesWritten);
        }

        // The same entry under the common head is refused: stats images carry IMG_SERVICE.
        string wrong = Put("stats-restore", CriuImageWriter.Frame(CriuMagic.ImgCommon, CriuMagic.Stats, stats));
        var ex = Assert.Throws<CriuImageException>(() => CriuImageFile.Open(wrong));
        Assert.Equal(CriuImageErrorKind.BadMagic, ex.Kind);
        Assert.Equal(0, ex.Offset);

        CriuImageWriter.Inventory(_dir);
        Assert.Equal(CriuImageSet.ImagesVersion, CriuImageSet.Open(_dir).Inventory.ImgVersion);
    }

    [Fact]
    public void AFileCutInsideTheMagicIsTruncated()
    {
        string path = Put("pstree.img", Hex("19 43 56 54 30 30"));
        var ex = Assert.Throws<CriuImageException>(() => CriuImageFile.Open(path));
        Assert.Equal(CriuImageErrorKind.Truncated, ex.Kind);
        Assert.Equal(4, ex.Offset);
    }

    [Fact]
    public void AFileCutInsideALengthOrAnEntryIsTruncatedAtThatEntry()
    {
        byte[] good = CriuImageWriter.Frame(CriuMagic.ImgCommon, CriuMagic.Pstree,
            new PstreeEntry { Pid = 1, Ppid = 0, Pgid = 1, Sid = 1 }, new PstreeEntry { Pid = 2, Ppid = 1, Pgid = 1, Sid = 1 });
        int second = 8 + 4 + new PstreeEntry { Pid = 1, Ppid = 0, Pgid = 1, Sid = 1 }.CalculateSize();
        foreach (int cut in new[] { second + 2, good.Length - 1 })
        {
            string path = Put("pstree.img", good[..cut]);
            using CriuImageFile file = CriuImageFile.Open(path);
            Assert.Equal(1u, file.Next(PstreeEntry.Parser)!.Pid);
            var ex = Assert.Throws<CriuImageException>(() => file.Next(PstreeEntry.Parser));
            Assert.Equal(CriuImageErrorKind.Truncated, ex.Kind);
            Assert.Equal(second, ex.Offset);
            Assert.Contains("offset " + second, ex.Message);
        }
    }

    [Fact]
    public void AnImplausibleLengthIsBadLengthNotAnAllocation()
    {
        byte[] bytes = CriuImageWriter.Frame(CriuMagic.ImgCommon, CriuMagic.Pstree);
        bytes = [.. bytes, 0xff, 0xff, 0xff, 0x7f, 0x08, 0x01];
        using CriuImageFile file = CriuImageFile.Open(Put("pstree.img", bytes));
        var ex = Assert.Throws<CriuImageException>(() => file.Next(PstreeEntry.Parser));
        Assert.Equal(CriuImageErrorKind.BadLength, ex.Kind);
        Assert.Equal(8, ex.Offset);
    }

    [Fact]
    public void AWrongMagicNamesWhatWasFoundAndWhatBelongs()
    {
        // A core image's magic in a file named pstree.img.
        string path = Put("pstree.img", CriuImageWriter.Frame(CriuMagic.ImgCommon, CriuMagic.Core));
        var ex = Assert.Throws<CriuImageException>(() => CriuImageFile.Open(path));
        Assert.Equal(CriuImageErrorKind.BadMagic, ex.Kind);
        Assert.Contains("CORE", ex.Message);
        Assert.Contains("PSTREE", ex.Message);
        Assert.Equal(4, ex.Offset);
    }

    [Fact]
    public void ImagesOfABigEndianHostAreRecognisedAndRefused()
    {
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, CriuMagic.ImgCommon);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), CriuMagic.Pstree);
        var ex = Assert.Throws<CriuImageException>(() => CriuImageFile.Open(Put("pstree.img", bytes)));
        Assert.Equal(CriuImageErrorKind.BadMagic, ex.Kind);
        Assert.Contains("big-endian", ex.Message);
    }

    [Fact]
    public void AnEntryThatIsNotProtobufIsInvalidMessage()
    {
        byte[] bytes = [.. CriuImageWriter.Frame(CriuMagic.ImgCommon, CriuMagic.Pstree), 0x04, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
        using CriuImageFile file = CriuImageFile.Open(Put("pstree.img", bytes));
        var ex = Assert.Throws<CriuImageException>(() => file.Next(PstreeEntry.Parser));
        Assert.Equal(CriuImageErrorKind.InvalidMessage, ex.Kind);
        Assert.Contains(nameof(PstreeEntry), ex.Message);
    }

    [Fact]
    public void ADirectoryWithoutAnInventoryOrWithAnOldOneIsRefused()
    {
        var missing = Assert.Throws<CriuImageException>(() => CriuImageSet.Open(_dir));
        Assert.Equal(CriuImageErrorKind.Missing, missing.Kind);
        Assert.EndsWith("inventory.img", missing.FilePath);

        CriuImageWriter.Inventory(_dir, version: 1);
        var old = Assert.Throws<CriuImageException>(() => CriuImageSet.Open(_dir));
        Assert.Equal(CriuImageErrorKind.UnsupportedVersion, old.Kind);
    }

    [Fact]
    public void AMissingCoreIsMissingAndNamesTheImage()
    {
        CriuImageWriter.Inventory(_dir);
        CriuImageWriter.Write(_dir, "pstree.img", CriuMagic.Pstree, new PstreeEntry { Pid = 5, Ppid = 0, Pgid = 5, Sid = 5 });
        CriuImageSet set = CriuImageSet.Open(_dir);
        Assert.Equal(5u, Assert.Single(set.Processes).Pid);
        var ex = Assert.Throws<CriuImageException>(() => set.Core(5));
        Assert.Equal(CriuImageErrorKind.Missing, ex.Kind);
        Assert.EndsWith("core-5.img", ex.FilePath);
        Assert.Null(set.Mm(5));
        Assert.Empty(set.FdInfo(5));
    }

    [Fact]
    public void FileObjectsComeFromFilesImgAndFromLegacyPerKindImages()
    {
        CriuImageWriter.Inventory(_dir);
        CriuImageWriter.Write(_dir, "files.img", CriuMagic.Files,
            new FileEntry { Type = FdTypes.Reg, Id = 3, Reg = new RegFileEntry { Id = 3, Flags = 0, Pos = 0, Fown = Fown(), Name = "etc/passwd" } });
        CriuImageWriter.Write(_dir, "pipes.img", CriuMagic.Pipes, new PipeEntry { Id = 9, PipeId = 4242, Flags = 0, Fown = Fown() });
        CriuImageSet set = CriuImageSet.Open(_dir);
        Assert.Equal("etc/passwd", set.File(3)!.Reg.Name);
        Assert.Equal(FdTypes.Pipe, set.File(9)!.Type);
        Assert.Equal(4242u, set.File(9)!.Pipe.PipeId);
        Assert.Null(set.File(10));
    }

    private static FownEntry Fown() => new() { Uid = 0, Euid = 0, Signum = 0, PidType = 0, Pid = 0 };

    [Fact]
    public void OnlyPresentEntriesTakePagesSoPagesAfterALazyGapAreReadFromTheRightOffset()
    {
        using var images = new SyntheticImages();
        byte[] first = Encoding.ASCII.GetBytes("FIRST-RUN");
        byte[] third = Encoding.ASCII.GetBytes("THIRD-RUN");
        images.Heap(0, first)
            .Heap(0x10000, new byte[ProcessMemory.PageSize * 3], ProcessMemory.PeLazy) // not transferred: no bytes in pages-1.img
            .Heap(0x20000, third, compat: true); // written before flags existed: present by CRIU's rule
        CriuImageSet set = CriuImageSet.Open(images.Build(0x40000));

        using ProcessMemory memory = set.OpenMemory(SyntheticImages.Pid);
        Assert.Equal(3, memory.Runs.Count); // heap 1, heap 3, stack
        MemoryRun lazy = Assert.Single(memory.Unavailable);
        Assert.Equal(SyntheticImages.HeapStart + 0x10000, lazy.Address);
        Assert.Equal(first, memory.ReadRange(SyntheticImages.HeapStart, SyntheticImages.HeapStart + (ulong)first.Length));
        Assert.Equal(third, memory.ReadRange(SyntheticImages.HeapStart + 0x20000, SyntheticImages.HeapStart + 0x20000 + (ulong)third.Length));
        Assert.All(memory.ReadRange(lazy.Address, lazy.Address + 64), b => Assert.Equal(0, b));
        Assert.Equal((2 + (long)SyntheticImages.StackPages) * ProcessMemory.PageSize, memory.DumpedSize);

        MemoryRegion heap = memory.Regions[0];
        Assert.Equal(MemoryRegionKind.Heap, heap.Kind);
        Assert.Equal(MemoryRegionKind.Stack, memory.Regions[1].Kind);
    }

    [Fact]
    public void ParentPagesAreReadFromTheParentDump()
    {
        using var parent = new SyntheticImages();
        byte[] old = Encoding.ASCII.GetBytes("PAGE-FROM-THE-PRE-DUMP");
        parent.Heap(0, old);
        parent.Build(0x10000);

        using var child = new SyntheticImages();
        child.Heap(0, new byte[ProcessMemory.PageSize], ProcessMemory.PeParent);
        string dir = child.Build(0x10000);
        Directory.CreateSymbolicLink(Path.Combine(dir, "parent"), parent.Directory);

        using ProcessMemory memory = CriuImageSet.Open(dir).OpenMemory(SyntheticImages.Pid);
        Assert.Empty(memory.Unavailable);
        Assert.Equal(old, memory.ReadRange(SyntheticImages.HeapStart, SyntheticImages.HeapStart + (ulong)old.Length));
    }

    [Fact]
    public void ParentPagesWithoutTheParentDumpAreUnavailableNotInvented()
    {
        using var child = new SyntheticImages();
        child.Heap(0, new byte[ProcessMemory.PageSize], ProcessMemory.PeParent);
        using ProcessMemory memory = CriuImageSet.Open(child.Build(0x10000)).OpenMemory(SyntheticImages.Pid);
        Assert.Equal(SyntheticImages.HeapStart, Assert.Single(memory.Unavailable).Address);
        Assert.False(memory.IsSaved(SyntheticImages.HeapStart));
    }

    [Fact]
    public void PagesMissingOrCutShortAreMissingPages()
    {
        using var images = new SyntheticImages();
        images.Heap(0, new byte[ProcessMemory.PageSize * 2]);
        string dir = images.Build(0x10000);
        string pages = Path.Combine(dir, "pages-1.img");
        using (var f = new FileStream(pages, FileMode.Open))
        {
            f.SetLength(ProcessMemory.PageSize);
        }

        var shortEx = Assert.Throws<CriuImageException>(() => CriuImageSet.Open(dir).OpenMemory(SyntheticImages.Pid));
        Assert.Equal(CriuImageErrorKind.MissingPages, shortEx.Kind);
        Assert.Equal(ProcessMemory.PageSize, shortEx.Offset);

        File.Delete(pages);
        var missing = Assert.Throws<CriuImageException>(() => CriuImageSet.Open(dir).OpenMemory(SyntheticImages.Pid));
        Assert.Equal(CriuImageErrorKind.MissingPages, missing.Kind);
        Assert.EndsWith("pages-1.img", missing.FilePath);
    }

    [Fact]
    public async Task CommandLineAndEnvironmentAreReadFromTheSavedStack()
    {
        using var images = new SyntheticImages();
        images.Heap(0, [1]);
        using CheckpointInspector inspector = await CheckpointInspector.OpenAsync(images.Build(0x10000), true, false, CancellationToken.None);
        CheckpointProcess process = Assert.Single(inspector.Processes(null, true, CancellationToken.None));
        Assert.Equal(images.Arguments, process.Arguments);
        Assert.Equal("hunter2", process.Environment["KF_SECRET"]);
        Assert.Equal("specimen", process.Command);
    }

    [Fact]
    public async Task AMatchAcrossTheSearchChunkBoundaryAndAcrossPagemapEntriesIsFoundOnce()
    {
        // 8 MiB of heap in two adjacent pagemap entries: the needle straddles the first 4 MiB chunk
        // boundary, a second copy straddles the boundary between the two entries, and a third is
        // made of bytes checkpointctl rewrites before matching.
        int chunk = MemorySearch.ChunkSize;
        byte[] needle = [0x00, 0x4b, 0x46, 0xff, 0x10, 0x4b, 0x46, 0x00];
        byte[] heap = new byte[2 * chunk + 2 * ProcessMemory.PageSize];
        needle.CopyTo(heap, chunk - 3);
        int entryBoundary = chunk + ProcessMemory.PageSize * 5;
        needle.CopyTo(heap, entryBoundary - 4);
        needle.CopyTo(heap, 100);

        using var images = new SyntheticImages();
        images.Heap(0, heap[..entryBoundary]).Heap((ulong)entryBoundary, heap[entryBoundary..]);
        using CheckpointInspector inspector = await CheckpointInspector.OpenAsync(images.Build((ulong)heap.Length), true, false, CancellationToken.None);
        var matches = inspector.SearchMemory(SyntheticImages.Pid, "specimen", MemoryPattern.Literal(needle, "needle"), 4, null, CancellationToken.None).ToList();

        Assert.Equal(
            [SyntheticImages.HeapStart + 100, SyntheticImages.HeapStart + (ulong)chunk - 3, SyntheticImages.HeapStart + (ulong)entryBoundary - 4],
            matches.Select(m => m.Address));
        Assert.All(matches, m => Assert.Equal(needle, m.Bytes));
        Assert.Equal([1, 2, 3], matches.Select(m => m.Instance));
        Assert.Equal("[heap]", matches[0].Region);
        Assert.Equal(needle.Length + 8, matches[0].Context.Length);
    }

    [Fact]
    public async Task ARegularExpressionMatchesAcrossTheChunkBoundary()
    {
        int chunk = MemorySearch.ChunkSize;
        byte[] heap = new byte[chunk + ProcessMemory.PageSize * 4];
        byte[] token = Encoding.ASCII.GetBytes("token=AKIA0123456789ABCDEF;");
        token.CopyTo(heap, chunk - 10);
        using var images = new SyntheticImages();
        images.Heap(0, heap);
        using CheckpointInspector inspector = await CheckpointInspector.OpenAsync(images.Build((ulong)heap.Length), true, false, CancellationToken.None);
        CheckpointMemoryMatch match = Assert.Single(inspector.SearchMemory(SyntheticImages.Pid, "specimen", MemoryPattern.Expression("AKIA[0-9A-Z]{16}"), 0, null, CancellationToken.None));
        Assert.Equal(SyntheticImages.HeapStart + (ulong)chunk - 4, match.Address);
        Assert.Equal("AKIA0123456789ABCDEF", match.Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PagesOfAPlainArchiveAreReadInPlaceAndAGzipArchivesAreUnpacked(bool gzip)
    {
        int chunk = MemorySearch.ChunkSize;
        byte[] heap = new byte[chunk + ProcessMemory.PageSize * 4];
        byte[] marker = Encoding.ASCII.GetBytes("KF-MARKER-IN-ARCHIVE");
        marker.CopyTo(heap, chunk - 7);
        using var images = new SyntheticImages();
        images.Heap(0, heap);
        string dir = images.Build((ulong)heap.Length);
        string archive = Path.Combine(_dir, gzip ? "cp.tar.gz" : "cp.tar");
        using (var stream = File.Create(archive))
        using (Stream body = gzip ? new System.IO.Compression.GZipStream(stream, System.IO.Compression.CompressionLevel.Fastest) : stream)
        using (var tar = new System.Formats.Tar.TarWriter(body, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.Directory, "checkpoint/"));
            foreach (string f in Directory.EnumerateFiles(dir).Order())
            {
                tar.WriteEntry(f, "checkpoint/" + Path.GetFileName(f));
            }
        }

        using CheckpointInspector inspector = await CheckpointInspector.OpenAsync(archive, true, false, CancellationToken.None);
        if (!gzip)
        {
            // Each member's recorded data offset holds exactly its bytes.
            byte[] whole = File.ReadAllBytes(archive);
            foreach (var m in inspector.Opened.Members.Where(m => !m.IsDirectory))
            {
                byte[] original = File.ReadAllBytes(Path.Combine(dir, Path.GetFileName(m.Name)));
                Assert.True(whole.AsSpan((int)m.DataOffset, original.Length).SequenceEqual(original), m.Name + " at " + m.DataOffset + " really " + whole.AsSpan().IndexOf(original));
            }
        }

        CheckpointMemoryMatch match = Assert.Single(inspector.SearchMemory(SyntheticImages.Pid, "specimen", MemoryPattern.Literal(marker, "m"), 0, null, CancellationToken.None));
        Assert.Equal(SyntheticImages.HeapStart + (ulong)chunk - 7, match.Address);
        Assert.Equal(gzip, File.Exists(Path.Combine(inspector.Opened.ImagesDirectory, "pages-1.img")));
        Assert.Equal(gzip, inspector.Overview().Sha256 is not null); // a compressed archive is read whole anyway, and hashed on the way

        using CheckpointInspector hashed = await CheckpointInspector.OpenAsync(archive, false, false, withHash: true, CancellationToken.None);
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(archive))).ToLowerInvariant(), hashed.Overview().Sha256);
    }
}
