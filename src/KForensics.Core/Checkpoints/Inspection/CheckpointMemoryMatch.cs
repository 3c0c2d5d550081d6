namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>One occurrence of a pattern in a checkpointed process's memory.</summary>
public sealed class CheckpointMemoryMatch
{
    internal CheckpointMemoryMatch(string checkpoint, uint processId, string process, ulong address, string region, string regionKind, ulong regionStart,
        byte[] bytes, string text, byte[] context, ulong contextAddress, int instance)
    {
        Checkpoint = checkpoint;
        ProcessId = processId;
        Process = process;
        Address = address;
        Region = region;
        RegionKind = regionKind;
        RegionStart = regionStart;
        Bytes = bytes;
        Text = text;
        Context = context;
        ContextAddress = contextAddress;
        Instance = instance;
    }

    public string Checkpoint { get; }

    public uint ProcessId { get; }

    public string Process { get; }

    /// <summary>The virtual address of the match's first byte in the process.</summary>
    public ulong Address { get; }

    /// <summary>The address as 16 hex digits, as checkpointctl and gdb show it.</summary>
    public string AddressHex => Address.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The mapping the match lies in: its file, or [heap], [stack], [vdso], [anon], ...</summary>
    public string Region { get; }

    /// <summary>Heap, Stack, FilePrivate, AnonymousPrivate, ... (see MemoryRegionKind).</summary>
    public string RegionKind { get; }

    public ulong RegionStart { get; }

    /// <summary>The matched bytes.</summary>
    public byte[] Bytes { get; }

    /// <summary>The matched bytes as text (non-printable bytes shown as '.').</summary>
    public string Text { get; }

    /// <summary>The bytes around the match (-Context bytes each side, within the mapping).</summary>
    public byte[] Context { get; }

    /// <summary>The address of the first context byte.</summary>
    public ulong ContextAddress { get; }

    /// <summary>The context as text (non-printable bytes shown as '.').</summary>
    public string ContextText => MemoryText.Printable(Context);

    /// <summary>1-based count of this match within its process.</summary>
    public int Instance { get; }

    public override string ToString() => ProcessId + " 0x" + AddressHex + " " + Text;
}

internal static class MemoryText
{
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        char[] chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            chars[i] = b is >= 32 and < 127 ? (char)b : '.';
        }

        return new string(chars);
    }
}
