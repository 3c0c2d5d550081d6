using System.Globalization;
using KForensics.Core.Criu.Images;
using Microsoft.Win32.SafeHandles;

namespace KForensics.Core.Criu;

/// <summary>What a mapping is, from CRIU's VMA status bits (criu/include/image.h).</summary>
internal enum MemoryRegionKind
{
    Other,
    Vdso,
    Vvar,
    Vsyscall,
    Heap,
    Stack,
    FilePrivate,
    FileShared,
    AnonymousPrivate,
    AnonymousShared,
    SysVIpc,
    Socket,
    AioRing,
    Memfd,
}

/// <summary>One mapping of a process as CRIU saved it.</summary>
/// <param name="Protection">PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4.</param>
/// <param name="Offset">Offset in bytes of the mapping in its file.</param>
internal sealed record MemoryRegion(ulong Start, ulong End, uint Protection, uint Flags, uint Status, MemoryRegionKind Kind, string? Path, ulong Offset)
{
    public const uint MapShared = 0x1;

    public ulong Size => End - Start;

    public bool Shared => (Flags & MapShared) != 0;
}

/// <summary>Where a run of saved pages is read from.</summary>
internal enum MemoryRunSource
{
    /// <summary>This dump's pages image.</summary>
    Image,

    /// <summary>The parent dump's (pre-dump or incremental) images.</summary>
    Parent,
}

/// <summary>Address-contiguous pages of one pagemap entry.</summary>
internal sealed record MemoryRun(ulong Address, ulong Length, MemoryRunSource Source, long FileOffset)
{
    public ulong End => Address + Length;
}

/// <summary>
/// A paged view of one process's saved memory. The pagemap locates each run of pages in
/// pages-ID.img: entries flagged PE_PRESENT take the next pages of the file in file order; PE_PARENT
/// entries are read from the parent dump; PE_LAZY entries that were not transferred hold no data.
/// Reads go straight to the file at the computed offset; no image is loaded whole. Addresses inside a
/// mapping that CRIU did not save (never-touched anonymous pages, unmodified file pages) read as zeros.
/// </summary>
internal sealed class ProcessMemory : IDisposable
{
    public const int PageSize = 4096;

    public const uint PeParent = 1, PeLazy = 2, PePresent = 4;

    private readonly CriuImageSet _images;
    private readonly uint _pid;
    private readonly MemoryRun[] _runs;
    private readonly SafeFileHandle? _pages;
    private readonly long _pagesBase;
    private readonly string? _pagesPath;
    private ProcessMemory? _parent;

    private ProcessMemory(CriuImageSet images, uint pid, IReadOnlyList<MemoryRegion> regions, MemoryRun[] runs, IReadOnlyList<MemoryRun> unavailable,
        SafeFileHandle? pages, long pagesBase, string? pagesPath)
    {
        _pagesBase = pagesBase;
        _images = images;
        _pid = pid;
        Regions = regions;
        _runs = runs;
        Unavailable = unavailable;
        _pages = pages;
        _pagesPath = pagesPath;
    }

    /// <summary>The mappings, ordered by address.</summary>
    public IReadOnlyList<MemoryRegion> Regions { get; }

    /// <summary>The runs of saved pages that can be read, ordered by address.</summary>
    public IReadOnlyList<MemoryRun> Runs => _runs;

    /// <summary>Pages the pagemap names but that cannot be read: lazy pages never transferred, or parent pages without the parent dump.</summary>
    public IReadOnlyList<MemoryRun> Unavailable { get; }

    /// <summary>Bytes of saved pages that can be read.</summary>
    public long DumpedSize => _runs.Sum(r => (long)r.Length);

    /// <summary>Bytes of shared mappings (MAP_SHARED).</summary>
    public long SharedSize => Regions.Where(r => r.Shared).Sum(r => (long)r.Size);

    public static ProcessMemory Open(CriuImageSet images, uint pid)
    {
        string id = pid.ToString(CultureInfo.InvariantCulture);
        MmEntry mm = images.Mm(pid)
            ?? throw new CriuImageException(CriuImageErrorKind.Missing, "The checkpoint has no mm-" + id + ".img: process " + id + " has no saved memory.", images.PathOf("mm-" + id + ".img"));
        List<MemoryRegion> regions = mm.Vmas.Select(v => Region(images, v, mm)).OrderBy(r => r.Start).ToList();

        string pagemapPath = images.PathOf("pagemap-" + id + ".img");
        if (!File.Exists(pagemapPath))
        {
            throw new CriuImageException(CriuImageErrorKind.Missing, "The checkpoint has no pagemap-" + id + ".img.", pagemapPath);
        }

        var runs = new List<MemoryRun>();
        var unavailable = new List<MemoryRun>();
        uint pagesId;
        long offset = 0;
        using (CriuImageFile pagemap = CriuImageFile.Open(pagemapPath))
        {
            PagemapHead head = pagemap.Next(PagemapHead.Parser)
                ?? throw new CriuImageException(CriuImageErrorKind.Truncated, "pagemap-" + id + ".img has no head.", pagemapPath, pagemap.Position);
            pagesId = head.PagesId;
            while (pagemap.Next(PagemapEntry.Parser) is PagemapEntry e)
            {
                uint flags = FlagsOf(e);
                ulong pages = e.HasNrPages ? e.NrPages : e.CompatNrPages;
                ulong length = pages * PageSize;
                if (length == 0)
                {
                    continue;
                }

                if ((flags & PePresent) != 0)
                {
                    runs.Add(new MemoryRun(e.Vaddr, length, MemoryRunSource.Image, offset));
                    offset += (long)length;
                }
                else if ((flags & PeParent) != 0 && images.Parent is not null)
                {
                    runs.Add(new MemoryRun(e.Vaddr, length, MemoryRunSource.Parent, -1));
                }
                else
                {
                    unavailable.Add(new MemoryRun(e.Vaddr, length, (flags & PeParent) != 0 ? MemoryRunSource.Parent : MemoryRunSource.Image, -1));
                }
            }
        }

        SafeFileHandle? handle = null;
        long pagesBase = 0;
        string pagesName = "pages-" + pagesId.ToString(CultureInfo.InvariantCulture) + ".img";
        string pagesPath = images.PathOf(pagesName);
        if (offset > 0)
        {
            // The pages file itself, or its window inside an uncompressed archive that was left packed.
            PackedImage? source = File.Exists(pagesPath) ? null : images.Packed?.Invoke(pagesName);
            if (source is null && !File.Exists(pagesPath))
            {
                throw new CriuImageException(CriuImageErrorKind.MissingPages,
                    "The pagemap of process " + id + " names " + offset.ToString(CultureInfo.InvariantCulture) + " bytes of pages in " + pagesName
                    + ", which the checkpoint does not have.", pagesPath);
            }

            handle = File.OpenHandle(source?.File ?? pagesPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            pagesBase = source?.Offset ?? 0;
            long size = source?.Length ?? RandomAccess.GetLength(handle);
            if (size < offset)
            {
                handle.Dispose();
                throw new CriuImageException(CriuImageErrorKind.MissingPages,
                    "The pagemap of process " + id + " names " + offset.ToString(CultureInfo.InvariantCulture) + " bytes of pages but " + pagesName
                    + " holds only " + size.ToString(CultureInfo.InvariantCulture) + ".", pagesPath, size);
            }
        }

        runs.Sort((a, b) => a.Address.CompareTo(b.Address));
        return new ProcessMemory(images, pid, regions, runs.ToArray(), unavailable, handle, pagesBase, pagesPath);
    }

    /// <summary>An entry's flags, with CRIU's rules for entries written before the flags field (criu/pagemap.c).</summary>
    internal static uint FlagsOf(PagemapEntry e)
    {
        if (e.HasInParent && e.InParent)
        {
            return PeParent | (e.HasFlags ? e.Flags : 0);
        }

        return e.HasFlags ? e.Flags : PePresent;
    }

    private static MemoryRegion Region(CriuImageSet images, VmaEntry v, MmEntry mm)
    {
        MemoryRegionKind kind = KindOf(v.Status);
        if (kind is MemoryRegionKind.AnonymousPrivate or MemoryRegionKind.Other)
        {
            // CRIU marks only some stacks and heaps in the status bits; the mm's own stack and brk say which mapping they are.
            if (mm.MmStartStack >= v.Start && mm.MmStartStack < v.End)
            {
                kind = MemoryRegionKind.Stack;
            }
            else if (mm.MmBrk > mm.MmStartBrk && v.Start < mm.MmBrk && v.End > mm.MmStartBrk)
            {
                kind = MemoryRegionKind.Heap;
            }
        }

        string? path = null;
        if (kind is MemoryRegionKind.FilePrivate or MemoryRegionKind.FileShared or MemoryRegionKind.Memfd && v.Shmid <= uint.MaxValue)
        {
            string? name = images.File((uint)v.Shmid)?.Reg?.Name;
            path = name is null ? null : name.StartsWith('/') ? name : "/" + name;
        }

        return new MemoryRegion(v.Start, v.End, v.Prot, v.Flags, v.Status, kind, path, v.Pgoff);
    }

    internal static MemoryRegionKind KindOf(uint status)
    {
        bool Has(int bit) => (status & (1u << bit)) != 0;
        return true switch
        {
            _ when Has(3) => MemoryRegionKind.Vdso,
            _ when Has(12) => MemoryRegionKind.Vvar,
            _ when Has(2) => MemoryRegionKind.Vsyscall,
            _ when Has(5) => MemoryRegionKind.Heap,
            _ when Has(1) => MemoryRegionKind.Stack,
            _ when Has(13) => MemoryRegionKind.AioRing,
            _ when Has(10) => MemoryRegionKind.SysVIpc,
            _ when Has(11) => MemoryRegionKind.Socket,
            _ when Has(14) => MemoryRegionKind.Memfd,
            _ when Has(7) => MemoryRegionKind.FileShared,
            _ when Has(6) => MemoryRegionKind.FilePrivate,
            _ when Has(8) => MemoryRegionKind.AnonymousShared,
            _ when Has(9) => MemoryRegionKind.AnonymousPrivate,
            _ => MemoryRegionKind.Other,
        };
    }

    /// <summary>Fills <paramref name="destination"/> with the memory at <paramref name="address"/>; bytes CRIU did not save read as zero.</summary>
    public void Read(ulong address, Span<byte> destination)
    {
        destination.Clear();
        if (destination.IsEmpty)
        {
            return;
        }

        ulong end = address + (ulong)destination.Length;
        for (int i = FirstRunEndingAfter(address); i < _runs.Length && _runs[i].Address < end; i++)
        {
            MemoryRun run = _runs[i];
            ulong from = Math.Max(run.Address, address);
            ulong to = Math.Min(run.End, end);
            Span<byte> target = destination.Slice((int)(from - address), (int)(to - from));
            if (run.Source == MemoryRunSource.Parent)
            {
                ParentMemory().Read(from, target);
                continue;
            }

            long at = _pagesBase + run.FileOffset + (long)(from - run.Address);
            int done = 0;
            while (done < target.Length)
            {
                int n = RandomAccess.Read(_pages!, target[done..], at + done);
                if (n == 0)
                {
                    throw new CriuImageException(CriuImageErrorKind.MissingPages,
                        System.IO.Path.GetFileName(_pagesPath) + " ends at offset " + (at + done).ToString(CultureInfo.InvariantCulture) + " inside the pages of process "
                        + _pid.ToString(CultureInfo.InvariantCulture) + ".", _pagesPath!, at + done);
                }

                done += n;
            }
        }
    }

    /// <summary>The bytes of [start, end).</summary>
    public byte[] ReadRange(ulong start, ulong end)
    {
        if (end <= start)
        {
            return [];
        }

        byte[] bytes = new byte[checked((int)(end - start))];
        Read(start, bytes);
        return bytes;
    }

    /// <summary>True when the byte at <paramref name="address"/> was saved.</summary>
    public bool IsSaved(ulong address)
    {
        int i = FirstRunEndingAfter(address);
        return i < _runs.Length && _runs[i].Address <= address;
    }

    private int FirstRunEndingAfter(ulong address)
    {
        int lo = 0, hi = _runs.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_runs[mid].End <= address)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private ProcessMemory ParentMemory() => _parent ??= _images.Parent!.OpenMemory(_pid);

    public void Dispose()
    {
        _pages?.Dispose();
        _parent?.Dispose();
    }
}
