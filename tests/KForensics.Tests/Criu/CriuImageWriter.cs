using System.Buffers.Binary;
using Google.Protobuf;
using KForensics.Core.Criu;
using KForensics.Core.Criu.Images;

namespace KForensics.Tests.Criu;

/// <summary>
/// Writes CRIU images as CRIU frames them (magic words, then u32 little-endian length + protobuf per
/// entry), so the reader can be tested on image sets whose every byte the test chose.
/// </summary>
internal static class CriuImageWriter
{
    public static byte[] Frame(uint? head, uint magic, params IMessage[] entries)
    {
        using var stream = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        if (head is uint h)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(word, h);
            stream.Write(word);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(word, magic);
        stream.Write(word);
        foreach (IMessage entry in entries)
        {
            byte[] payload = entry.ToByteArray();
            BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)payload.Length);
            stream.Write(word);
            stream.Write(payload);
        }

        return stream.ToArray();
    }

    public static void Write(string directory, string name, uint magic, params IMessage[] entries)
        => File.WriteAllBytes(Path.Combine(directory, name), Frame(CriuMagic.ImgCommon, magic, entries));

    public static void Inventory(string directory, uint version = CriuImageSet.ImagesVersion, uint rootMountNamespace = 0)
        => File.WriteAllBytes(Path.Combine(directory, "inventory.img"), Frame(null, CriuMagic.Inventory, new InventoryEntry
        {
            ImgVersion = version,
            FdinfoPerId = true,
            RootIds = new TaskKobjIdsEntry { VmId = 1, FilesId = 1, FsId = 1, SighandId = 1, MntNsId = rootMountNamespace },
        }));

    public static CoreEntry Core(string comm, uint state = 1, uint uid = 0)
        => new()
        {
            Mtype = CoreEntry.Types.March.X8664,
            Tc = new TaskCoreEntry { TaskState = state, ExitCode = 0, Personality = 0, Flags = 0, BlkSigset = 0, Comm = comm },
            ThreadCore = new ThreadCoreEntry
            {
                FutexRla = 0, FutexRlaLen = 0,
                Creds = new CredsEntry { Uid = uid, Gid = uid, Euid = uid, Egid = uid, Suid = uid, Sgid = uid, Fsuid = uid, Fsgid = uid, Secbits = 0 },
            },
        };

    public static VmaEntry Vma(ulong start, ulong end, uint status, uint prot = 3, uint flags = 0x22)
        => new() { Start = start, End = end, Pgoff = 0, Shmid = 0, Prot = prot, Flags = flags, Status = status, Fd = -1 };
}

/// <summary>
/// A one-process image set built in a temporary directory: a stack mapping with argv and environ, and
/// heap pages whose content the test decides, laid out through a pagemap with present, lazy and
/// compat entries.
/// </summary>
internal sealed class SyntheticImages : IDisposable
{
    public const uint Pid = 1;
    public const ulong StackStart = 0x7ffd_0000_0000, StackPages = 4;
    public const ulong HeapStart = 0x5555_0000_0000;

    private readonly List<(ulong Address, byte[] Data, uint Flags, bool Compat)> _runs = [];

    public SyntheticImages()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("kf-criu-").FullName;
    }

    public string Directory { get; }

    public string[] Arguments { get; set; } = ["/bin/specimen", "--serve", "8080"];

    public string[] Environment { get; set; } = ["PATH=/usr/bin", "KF_SECRET=hunter2"];

    /// <summary>Heap pages as pagemap entries, in file order: each run's bytes are padded to whole pages.</summary>
    public SyntheticImages Heap(ulong offset, byte[] data, uint flags = ProcessMemory.PePresent, bool compat = false)
    {
        _runs.Add((HeapStart + offset, Pad(data), flags, compat));
        return this;
    }

    public static byte[] Pad(byte[] data)
    {
        byte[] padded = new byte[(data.Length + ProcessMemory.PageSize - 1) / ProcessMemory.PageSize * ProcessMemory.PageSize];
        data.CopyTo(padded, 0);
        return padded;
    }

    public string Build(ulong heapSize)
    {
        CriuImageWriter.Inventory(Directory);
        CriuImageWriter.Write(Directory, "pstree.img", CriuMagic.Pstree, new PstreeEntry { Pid = Pid, Ppid = 0, Pgid = Pid, Sid = Pid, Threads = { Pid } });
        CriuImageWriter.Write(Directory, "core-1.img", CriuMagic.Core, CriuImageWriter.Core("specimen"));

        byte[] args = System.Text.Encoding.ASCII.GetBytes(string.Join('\0', Arguments) + "\0");
        byte[] env = System.Text.Encoding.ASCII.GetBytes(string.Join('\0', Environment) + "\0");
        byte[] stack = new byte[StackPages * ProcessMemory.PageSize];
        args.CopyTo(stack, 0x100);
        env.CopyTo(stack, 0x100 + args.Length);
        ulong argStart = StackStart + 0x100;
        var mm = new MmEntry
        {
            MmStartCode = 0, MmEndCode = 0, MmStartData = 0, MmEndData = 0, MmStartStack = StackStart, MmStartBrk = HeapStart, MmBrk = HeapStart + heapSize,
            MmArgStart = argStart, MmArgEnd = argStart + (ulong)args.Length, MmEnvStart = argStart + (ulong)args.Length, MmEnvEnd = argStart + (ulong)(args.Length + env.Length),
            ExeFileId = 0,
            Vmas =
            {
                CriuImageWriter.Vma(HeapStart, HeapStart + heapSize, status: (1u << 0) | (1u << 5) | (1u << 9)),
                CriuImageWriter.Vma(StackStart, StackStart + StackPages * ProcessMemory.PageSize, status: (1u << 0) | (1u << 1) | (1u << 9), flags: 0x122),
            },
        };
        CriuImageWriter.Write(Directory, "mm-1.img", CriuMagic.Mm, mm);

        var entries = new List<IMessage> { new PagemapHead { PagesId = 1 } };
        using (var pages = File.Create(Path.Combine(Directory, "pages-1.img")))
        {
            foreach (var (address, data, flags, compat) in _runs)
            {
                uint n = (uint)(data.Length / ProcessMemory.PageSize);
                entries.Add(compat
                    ? new PagemapEntry { Vaddr = address, CompatNrPages = n }
                    : new PagemapEntry { Vaddr = address, CompatNrPages = 0, NrPages = n, Flags = flags });
                if ((flags & ProcessMemory.PePresent) != 0 || compat)
                {
                    pages.Write(data);
                }
            }

            entries.Add(new PagemapEntry { Vaddr = StackStart, CompatNrPages = 0, NrPages = StackPages, Flags = ProcessMemory.PePresent });
            pages.Write(stack);
        }

        CriuImageWriter.Write(Directory, "pagemap-1.img", CriuMagic.Pagemap, entries.ToArray());
        return Directory;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
