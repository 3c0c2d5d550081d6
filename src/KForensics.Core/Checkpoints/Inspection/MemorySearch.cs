using System.Text;
using System.Text.RegularExpressions;
using KForensics.Core.Criu;

namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>What to look for in memory: literal bytes, or a regular expression over the bytes read as Latin-1 (one character per byte).</summary>
public sealed class MemoryPattern
{
    private MemoryPattern(byte[]? bytes, Regex? regex, string display)
    {
        Bytes = bytes;
        Regex = regex;
        Display = display;
    }

    internal byte[]? Bytes { get; }

    internal Regex? Regex { get; }

    /// <summary>The pattern as the user gave it.</summary>
    public string Display { get; }

    public static MemoryPattern Literal(byte[] bytes, string display)
    {
        if (bytes.Length == 0)
        {
            throw new ArgumentException("The pattern is empty.", nameof(bytes));
        }

        return new MemoryPattern(bytes, null, display);
    }

    public static MemoryPattern Expression(string pattern)
        => new(null, new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(30)), pattern);
}

/// <summary>
/// Searches a process's memory as CRIU saved it. Pages are streamed in chunks from the pages image;
/// address-adjacent runs of pages form one stream, so a match that crosses a page, a pagemap entry or
/// a chunk boundary is found, and every byte value can be matched (checkpointctl replaces
/// non-printable bytes before matching and loses matches across its 10 MiB chunks).
/// </summary>
internal static class MemorySearch
{
    internal const int ChunkSize = 4 << 20;

    /// <summary>How far back a regular expression's match may start in the previous chunk and still be found.</summary>
    internal const int RegexOverlap = 64 << 10;

    public static IEnumerable<CheckpointMemoryMatch> Search(OpenedCheckpoint checkpoint, uint pid, string comm, MemoryPattern pattern, int context,
        IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using ProcessMemory memory = checkpoint.Images.OpenMemory(pid);
        IReadOnlyList<MemoryRegion> regions = memory.Regions;
        int overlap = pattern.Bytes is { } b ? b.Length - 1 : RegexOverlap;
        int instance = 0;
        long scanned = 0;
        byte[] buffer = new byte[ChunkSize + overlap];
        foreach ((ulong start, ulong length) in Streams(memory.Runs))
        {
            // buffer[0..carry) holds the tail of the previous chunk of this stream, at address chunkAddress.
            int carry = 0;
            ulong chunkAddress = start;
            ulong next = start;
            ulong end = start + length;
            while (next < end)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int want = (int)Math.Min((ulong)ChunkSize, end - next);
                memory.Read(next, buffer.AsSpan(carry, want));
                int filled = carry + want;
                bool last = next + (ulong)want >= end;

                // The carried tail holds exactly the starts the last chunk left unsearched; the new tail is
                // left for the next chunk, so every start is searched once with room for the whole match.
                foreach ((int offset, int matchLength) in Find(pattern, buffer.AsSpan(0, filled), 0, last ? filled : filled - overlap))
                {
                    ulong address = chunkAddress + (ulong)offset;
                    instance++;
                    yield return Describe(checkpoint, memory, regions, pid, comm, address, buffer.AsSpan(offset, matchLength).ToArray(), context, instance);
                }

                scanned += want;
                progress?.Report(scanned);
                next += (ulong)want;
                if (last)
                {
                    break;
                }

                carry = Math.Min(overlap, filled);
                Buffer.BlockCopy(buffer, filled - carry, buffer, 0, carry);
                chunkAddress = next - (ulong)carry;
            }
        }
    }

    /// <summary>
    /// Matches starting at or after <paramref name="from"/> and before <paramref name="before"/>; the
    /// window keeps the overlap region for the next chunk so nothing is reported twice.
    /// </summary>
    private static List<(int Offset, int Length)> Find(MemoryPattern pattern, ReadOnlySpan<byte> data, int from, int before)
    {
        var found = new List<(int, int)>();
        if (pattern.Bytes is byte[] needle)
        {
            int at = from;
            while (at < before)
            {
                int i = data[at..].IndexOf(needle);
                if (i < 0 || at + i >= before)
                {
                    break;
                }

                found.Add((at + i, needle.Length));
                at += i + 1;
            }

            return found;
        }

        string text = Encoding.Latin1.GetString(data);
        for (Match m = pattern.Regex!.Match(text, from); m.Success && m.Index < before; m = m.NextMatch())
        {
            if (m.Length == 0)
            {
                continue;
            }

            found.Add((m.Index, m.Length));
        }

        return found;
    }

    /// <summary>Address-adjacent runs merged into streams.</summary>
    private static IEnumerable<(ulong Start, ulong Length)> Streams(IEnumerable<MemoryRun> runs)
    {
        ulong start = 0, end = 0;
        bool open = false;
        foreach (MemoryRun run in runs.OrderBy(r => r.Address))
        {
            if (open && run.Address == end)
            {
                end += run.Length;
                continue;
            }

            if (open)
            {
                yield return (start, end - start);
            }

            start = run.Address;
            end = run.Address + run.Length;
            open = true;
        }

        if (open)
        {
            yield return (start, end - start);
        }
    }

    private static CheckpointMemoryMatch Describe(OpenedCheckpoint checkpoint, ProcessMemory memory, IReadOnlyList<MemoryRegion> regions, uint pid, string comm,
        ulong address, byte[] bytes, int context, int instance)
    {
        MemoryRegion? region = RegionOf(regions, address);
        ulong low = region?.Start ?? address;
        ulong high = region?.End ?? address + (ulong)bytes.Length;
        ulong from = address - Math.Min((ulong)context, address - low);
        ulong to = Math.Min(address + (ulong)bytes.Length + (ulong)context, Math.Max(high, address + (ulong)bytes.Length));
        byte[] around = new byte[to - from];
        memory.Read(from, around);
        return new CheckpointMemoryMatch(checkpoint.Path, pid, comm, address, region is null ? "[unmapped]" : RegionName(region), region?.Kind.ToString() ?? "Other",
            region?.Start ?? address, bytes, MemoryText.Printable(bytes), around, from, instance);
    }

    internal static MemoryRegion? RegionOf(IReadOnlyList<MemoryRegion> regions, ulong address)
    {
        int lo = 0, hi = regions.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            MemoryRegion r = regions[mid];
            if (address < r.Start)
            {
                hi = mid - 1;
            }
            else if (address >= r.End)
            {
                lo = mid + 1;
            }
            else
            {
                return r;
            }
        }

        return null;
    }

    internal static string RegionName(MemoryRegion region) => region.Kind switch
    {
        MemoryRegionKind.Heap => "[heap]",
        MemoryRegionKind.Stack => "[stack]",
        MemoryRegionKind.Vdso => "[vdso]",
        MemoryRegionKind.Vvar => "[vvar]",
        MemoryRegionKind.Vsyscall => "[vsyscall]",
        _ when !string.IsNullOrEmpty(region.Path) => region.Path!,
        _ => "[anon]",
    };
}
