using System.Buffers.Binary;
using System.Text;
using KForensics.Core.Criu;
using KForensics.Core.Criu.Images;

namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>
/// Writes a checkpointed process's memory as an ELF64 core file (x86_64) that gdb opens: one PT_LOAD
/// per mapping with the pages CRIU saved (pages it did not save are left as holes and read as zero),
/// and notes for each thread's registers (NT_PRSTATUS), the process (NT_PRPSINFO), the auxiliary
/// vector (NT_AUXV) and the file mappings (NT_FILE).
/// </summary>
internal static class CoreDumpWriter
{
    private const int PageSize = 4096;
    private const int ElfHeaderSize = 64;
    private const int ProgramHeaderSize = 56;
    private const uint PtLoad = 1, PtNote = 4;
    private const uint NtPrStatus = 1, NtPrPsInfo = 3, NtAuxv = 6, NtFile = 0x46494c45;

    public static async Task<int> WriteAsync(OpenedCheckpoint checkpoint, uint pid, Stream output, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        CriuImageSet images = checkpoint.Images;
        PstreeEntry task = images.Processes.FirstOrDefault(p => p.Pid == pid)
            ?? throw new CheckpointInspectionException(CheckpointInspectionErrorKind.ProcessNotFound,
                "The checkpoint '" + checkpoint.Path + "' has no process " + pid + "; its processes are " + string.Join(", ", images.Processes.Select(e => e.Pid)) + ".",
                pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        CoreEntry leader = images.Core(pid);
        if (ProcessTree.StateOf(leader.Tc?.TaskState ?? 0) is not (CheckpointTaskState.Alive or CheckpointTaskState.Stopped))
        {
            throw new CheckpointInspectionException(CheckpointInspectionErrorKind.ProcessNotFound,
                "Process " + pid + " of '" + checkpoint.Path + "' was dead or a zombie when it was frozen; it has no memory.", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        MmEntry mm = images.Mm(pid) ?? throw new CheckpointInspectionException(CheckpointInspectionErrorKind.ProcessNotFound,
            "Process " + pid + " of '" + checkpoint.Path + "' has no memory image.", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using ProcessMemory memory = images.OpenMemory(pid);
        List<MemoryRegion> loads = memory.Regions.Where(r => r.Kind is not (MemoryRegionKind.Vvar or MemoryRegionKind.Vsyscall)).ToList();

        byte[] notes = Notes(images, task, leader, mm, loads);
        int headers = ElfHeaderSize + ProgramHeaderSize * (1 + loads.Count);
        long noteOffset = headers;
        long dataOffset = Align(noteOffset + notes.Length, PageSize);

        byte[] head = new byte[headers];
        WriteElfHeader(head, (ushort)(1 + loads.Count));
        WriteProgramHeader(head.AsSpan(ElfHeaderSize), PtNote, 0, noteOffset, 0, (ulong)notes.Length, 0, 4);
        long offset = dataOffset;
        for (int i = 0; i < loads.Count; i++)
        {
            MemoryRegion r = loads[i];
            ulong size = r.End - r.Start;
            uint flags = (uint)(((r.Protection & 1) != 0 ? 4 : 0) | ((r.Protection & 2) != 0 ? 2 : 0) | ((r.Protection & 4) != 0 ? 1 : 0));
            WriteProgramHeader(head.AsSpan(ElfHeaderSize + ProgramHeaderSize * (i + 1)), PtLoad, flags, offset, r.Start, size, size, PageSize);
            offset += (long)size;
        }

        await output.WriteAsync(head, cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(notes, cancellationToken).ConfigureAwait(false);
        output.SetLength(offset);

        // Only saved pages are written; the rest stay holes in the (sparse) file and read as zeros.
        var runs = memory.Runs.OrderBy(r => r.Address).ToList();
        long position = dataOffset;
        long written = 0;
        byte[] buffer = new byte[1 << 20];
        foreach (MemoryRegion r in loads)
        {
            foreach (MemoryRun run in runs.Where(x => x.Address < r.End && x.Address + x.Length > r.Start))
            {
                ulong from = Math.Max(run.Address, r.Start);
                ulong to = Math.Min(run.Address + run.Length, r.End);
                output.Position = position + (long)(from - r.Start);
                while (from < to)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int n = (int)Math.Min((ulong)buffer.Length, to - from);
                    memory.Read(from, buffer.AsSpan(0, n));
                    await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    from += (ulong)n;
                    written += n;
                    progress?.Report(written);
                }
            }

            position += (long)(r.End - r.Start);
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return loads.Count;
    }

    private static long Align(long value, int to) => (value + to - 1) / to * to;

    private static void WriteElfHeader(Span<byte> h, ushort programHeaders)
    {
        h[0] = 0x7F;
        h[1] = (byte)'E';
        h[2] = (byte)'L';
        h[3] = (byte)'F';
        h[4] = 2; // 64-bit
        h[5] = 1; // little-endian
        h[6] = 1; // version
        BinaryPrimitives.WriteUInt16LittleEndian(h[16..], 4); // ET_CORE
        BinaryPrimitives.WriteUInt16LittleEndian(h[18..], 62); // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(h[32..], ElfHeaderSize); // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(h[52..], ElfHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h[54..], ProgramHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h[56..], programHeaders);
        BinaryPrimitives.WriteUInt16LittleEndian(h[58..], 64); // e_shentsize, no section headers
    }

    private static void WriteProgramHeader(Span<byte> p, uint type, uint flags, long offset, ulong vaddr, ulong fileSize, ulong memorySize, ulong align)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(p, type);
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], flags);
        BinaryPrimitives.WriteUInt64LittleEndian(p[8..], (ulong)offset);
        BinaryPrimitives.WriteUInt64LittleEndian(p[16..], vaddr);
        BinaryPrimitives.WriteUInt64LittleEndian(p[24..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(p[32..], fileSize);
        BinaryPrimitives.WriteUInt64LittleEndian(p[40..], memorySize);
        BinaryPrimitives.WriteUInt64LittleEndian(p[48..], align);
    }

    private static byte[] Notes(CriuImageSet images, PstreeEntry task, CoreEntry leader, MmEntry mm, List<MemoryRegion> loads)
    {
        using var notes = new MemoryStream();
        IEnumerable<uint> threads = task.Threads.Count > 0 ? task.Threads : [task.Pid];
        foreach (uint tid in threads.OrderBy(t => t == task.Pid ? 0 : 1))
        {
            CoreEntry core = tid == task.Pid ? leader : images.Core(tid);
            Note(notes, NtPrStatus, PrStatus(task, tid, core));
        }

        Note(notes, NtPrPsInfo, PrPsInfo(task, leader, images));
        if (mm.MmSavedAuxv.Count > 0)
        {
            byte[] auxv = new byte[mm.MmSavedAuxv.Count * 8];
            for (int i = 0; i < mm.MmSavedAuxv.Count; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(auxv.AsSpan(i * 8), mm.MmSavedAuxv[i]);
            }

            Note(notes, NtAuxv, auxv);
        }

        var files = loads.Where(r => !string.IsNullOrEmpty(r.Path)).ToList();
        if (files.Count > 0)
        {
            using var desc = new MemoryStream();
            byte[] word = new byte[8];
            void Put(ulong v)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(word, v);
                desc.Write(word);
            }

            Put((ulong)files.Count);
            Put(PageSize);
            foreach (MemoryRegion r in files)
            {
                Put(r.Start);
                Put(r.End);
                Put(r.Offset / PageSize);
            }

            foreach (MemoryRegion r in files)
            {
                desc.Write(Encoding.UTF8.GetBytes(r.Path!));
                desc.WriteByte(0);
            }

            Note(notes, NtFile, desc.ToArray());
        }

        return notes.ToArray();
    }

    private static byte[] PrStatus(PstreeEntry task, uint tid, CoreEntry core)
    {
        byte[] s = new byte[336];
        BinaryPrimitives.WriteInt32LittleEndian(s.AsSpan(32), (int)tid);
        BinaryPrimitives.WriteInt32LittleEndian(s.AsSpan(36), (int)task.Ppid);
        BinaryPrimitives.WriteInt32LittleEndian(s.AsSpan(40), (int)task.Pgid);
        BinaryPrimitives.WriteInt32LittleEndian(s.AsSpan(44), (int)task.Sid);
        UserX86RegsEntry? r = core.ThreadInfo?.Gpregs;
        if (r is not null)
        {
            // user_regs_struct order, as the kernel lays out elf_gregset_t on x86_64.
            ulong[] regs =
            [
                r.R15, r.R14, r.R13, r.R12, r.Bp, r.Bx, r.R11, r.R10, r.R9, r.R8, r.Ax, r.Cx, r.Dx, r.Si, r.Di, r.OrigAx,
                r.Ip, r.Cs, r.Flags, r.Sp, r.Ss, r.FsBase, r.GsBase, r.Ds, r.Es, r.Fs, r.Gs,
            ];
            for (int i = 0; i < regs.Length; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(s.AsSpan(112 + i * 8), regs[i]);
            }
        }

        return s;
    }

    private static byte[] PrPsInfo(PstreeEntry task, CoreEntry leader, CriuImageSet images)
    {
        byte[] s = new byte[136];
        CheckpointTaskState state = ProcessTree.StateOf(leader.Tc?.TaskState ?? 0);
        s[1] = (byte)(state == CheckpointTaskState.Stopped ? 'T' : 'S');
        CredsEntry? creds = images.Creds(task.Pid);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(16), creds?.Uid ?? 0);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(20), creds?.Gid ?? 0);
        BinaryPrimitives.WriteInt32LittleEndian(s.AsSpan(24), (int)task.Pid);
        BinaryPrimitives.WriteInt32LittleEndian(s.AsSpan(28), (int)task.Ppid);
        BinaryPrimitives.WriteInt32LittleEndian(s.AsSpan(32), (int)task.Pgid);
        BinaryPrimitives.WriteInt32LittleEndian(s.AsSpan(36), (int)task.Sid);
        byte[] comm = Encoding.UTF8.GetBytes(leader.Tc?.Comm ?? string.Empty);
        comm.AsSpan(0, Math.Min(comm.Length, 15)).CopyTo(s.AsSpan(40));
        comm.AsSpan(0, Math.Min(comm.Length, 79)).CopyTo(s.AsSpan(56));
        return s;
    }

    private static void Note(Stream notes, uint type, byte[] desc)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 5);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)desc.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], type);
        notes.Write(header);
        notes.Write("CORE\0\0\0\0"u8);
        notes.Write(desc);
        int pad = (4 - desc.Length % 4) % 4;
        for (int i = 0; i < pad; i++)
        {
            notes.WriteByte(0);
        }
    }
}
