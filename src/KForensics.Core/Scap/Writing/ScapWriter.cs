using System.IO.Compression;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Writing;

/// <summary>
/// Writes a scap capture in file version 1.2, the layout current sysdig/Falco writers produce:
/// SHB, MI, IL_V2, UL_V2, PL_V9, FDL_V2 (one per thread with fds), then EV_V2 blocks
/// (EV_V2_LARGE when a block would exceed the 64 KiB a reader's block buffer holds).
/// Metadata is collected with the Add* methods and written when the first event is written
/// (or at <see cref="Flush"/>/<see cref="Dispose"/>); adding metadata after that is an error.
/// </summary>
public sealed partial class ScapWriter : IDisposable
{
    private readonly Stream _target;
    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly List<ScapInterface> _interfaces = new();
    private readonly List<ScapUser> _users = new();
    private readonly List<ScapGroup> _groups = new();
    private readonly List<ScapThread> _threads = new();
    private readonly Dictionary<long, List<ScapFd>> _fds = new();
    private bool _metadataWritten;
    private bool _disposed;

    public ScapWriter(Stream stream, bool gzip = false, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _target = stream;
        _leaveOpen = leaveOpen;
        _output = gzip ? new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true) : stream;
    }

    /// <summary>Creates (or overwrites) a capture file.</summary>
    public static ScapWriter Create(string path, bool gzip = false) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16), gzip);

    public ScapMachineInfo MachineInfo { get; set; } = new("kforensics-host");

    /// <summary>Writes every event block as EV_V2_LARGE, even when it would fit a plain EV_V2 block.</summary>
    public bool AlwaysLargeBlocks { get; set; }

    /// <summary>Bytes written so far (before compression).</summary>
    public long Position { get; private set; }

    public long EventCount { get; private set; }

    public void AddInterface(ScapInterface entry) => Metadata(_interfaces).Add(entry);

    public void AddUser(ScapUser entry) => Metadata(_users).Add(entry);

    public void AddGroup(ScapGroup entry) => Metadata(_groups).Add(entry);

    public void AddThread(ScapThread entry) => Metadata(_threads).Add(entry);

    public void AddFd(long tid, ScapFd entry)
    {
        Metadata(_threads);
        if (!_fds.TryGetValue(tid, out List<ScapFd>? list))
        {
            _fds[tid] = list = new List<ScapFd>();
        }

        list.Add(entry);
    }

    /// <summary>
    /// Writes one event from already encoded parameter values. <paramref name="wideLengths"/> stores the
    /// lengths as u32, which readers expect exactly for event types with the LARGE_PAYLOAD flag.
    /// <paramref name="stateOnly"/> writes it in a flagged block marked state-only: readers update their
    /// state tables with it but do not show it (sysdig's own "fat file" exports use this).
    /// </summary>
    public void WriteEncodedEvent(ulong timestamp, long tid, ushort cpu, ushort type, IReadOnlyList<byte[]> parameters, bool wideLengths, bool stateOnly = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        EnsureMetadata();
        int lengthSize = wideLengths ? 4 : 2;
        long eventLength = RawEvent.V2HeaderSize + ((long)lengthSize * parameters.Count);
        foreach (byte[] value in parameters)
        {
            if (!wideLengths && value.Length > ushort.MaxValue)
            {
                throw new ArgumentException($"A parameter of {value.Length} bytes needs u32 lengths (a LARGE_PAYLOAD event type).", nameof(parameters));
            }

            eventLength += value.Length;
        }

        bool large = AlwaysLargeBlocks || 8 + 2 + (stateOnly ? 4 : 0) + eventLength + 3 + 4 > BlockTypes.MaxSmallBlockSize;
        var block = new BlockBuilder(stateOnly
            ? large ? BlockTypes.EvfV2Large : BlockTypes.EvfV2
            : large ? BlockTypes.EvV2Large : BlockTypes.EvV2);
        block.U16(cpu);
        if (stateOnly)
        {
            block.U32(BlockTypes.StateOnlyFlag);
        }

        block.U64(timestamp);
        block.I64(tid);
        block.U32(checked((uint)eventLength));
        block.U16(type);
        block.U32((uint)parameters.Count);
        foreach (byte[] value in parameters)
        {
            if (wideLengths)
            {
                block.U32((uint)value.Length);
            }
            else
            {
                block.U16((ushort)value.Length);
            }
        }

        foreach (byte[] value in parameters)
        {
            block.Bytes(value);
        }

        Emit(block);
        EventCount++;
    }

    /// <summary>Writes one event whose parameter types are given explicitly (no event table needed).</summary>
    public void WriteTypedEvent(ulong timestamp, long tid, ushort cpu, ushort type, IReadOnlyList<ParamType> types, IReadOnlyList<object?> values, bool wideLengths)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count > types.Count)
        {
            throw new ArgumentException($"{values.Count} values given for {types.Count} parameters.", nameof(values));
        }

        byte[][] encoded = new byte[values.Count][];
        for (int i = 0; i < values.Count; i++)
        {
            encoded[i] = ScapParamEncoder.Encode(types[i], values[i]);
        }

        WriteEncodedEvent(timestamp, tid, cpu, type, encoded, wideLengths);
    }

    /// <summary>Writes the metadata blocks now if no event has been written yet.</summary>
    public void Flush()
    {
        EnsureMetadata();
        _output.Flush();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        EnsureMetadata();
        _disposed = true;
        _output.Flush();
        if (!ReferenceEquals(_output, _target))
        {
            _output.Dispose();
        }

        if (!_leaveOpen)
        {
            _target.Dispose();
        }
        else
        {
            _target.Flush();
        }
    }

    private List<T> Metadata<T>(List<T> list)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_metadataWritten)
        {
            throw new InvalidOperationException("Metadata blocks precede the first event block; add threads, fds, users and interfaces before writing events.");
        }

        return list;
    }

    private void EnsureMetadata()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_metadataWritten)
        {
            return;
        }

        _metadataWritten = true;
        Emit(MetadataBlocks.SectionHeader());
        Emit(MetadataBlocks.Machine(MachineInfo));
        Emit(MetadataBlocks.Interfaces(_interfaces));
        Emit(MetadataBlocks.Users(_users, _groups));
        Emit(MetadataBlocks.Threads(_threads));
        foreach (KeyValuePair<long, List<ScapFd>> pair in _fds)
        {
            Emit(MetadataBlocks.Fds(pair.Key, pair.Value));
        }
    }

    private void Emit(BlockBuilder block)
    {
        ReadOnlyMemory<byte> bytes = block.Finish();
        _output.Write(bytes.Span);
        Position += bytes.Length;
    }
}
