using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;

namespace KForensics.Core.Criu;

/// <summary>
/// Reads one CRIU image file: the magic words (IMG_COMMON or IMG_SERVICE then the type's magic, or the
/// type's magic alone for inventory.img), then entries of a 32-bit little-endian length followed by that
/// many bytes of one protobuf message, some followed by raw payload whose length the message gives.
/// Files are streamed; nothing is loaded whole.
/// </summary>
internal sealed class CriuImageFile : IDisposable
{
    /// <summary>No entry CRIU writes comes near this; a larger length means the framing is broken.</summary>
    internal const uint MaxEntryLength = 64u << 20;

    private readonly FileStream _stream;
    private readonly byte[] _word = new byte[4];

    private CriuImageFile(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
    }

    public string Path { get; }

    /// <summary>Where the next entry begins.</summary>
    public long Position => _stream.Position;

    public long Length => _stream.Length;

    /// <summary>Opens <paramref name="path"/> and checks its magic against what its name calls for.</summary>
    public static CriuImageFile Open(string path)
    {
        CriuImageType type = CriuMagic.FromFileName(path)
            ?? throw new CriuImageException(CriuImageErrorKind.BadMagic, "'" + System.IO.Path.GetFileName(path) + "' is not the name of a CRIU image.", path);
        return Open(path, type);
    }

    public static CriuImageFile Open(string path, CriuImageType type)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 << 10, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException ex)
        {
            throw new CriuImageException(CriuImageErrorKind.Missing, "The checkpoint has no " + System.IO.Path.GetFileName(path) + ".", path, null, ex);
        }

        var file = new CriuImageFile(path, stream);
        try
        {
            file.CheckMagic(type);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private void CheckMagic(CriuImageType type)
    {
        if (type.IsRaw)
        {
            return;
        }

        if (type.Head is CriuImageHead.Common or CriuImageHead.Service)
        {
            uint head = type.Head == CriuImageHead.Common ? CriuMagic.ImgCommon : CriuMagic.ImgService;
            uint first = ReadMagicWord("the image head");
            if (first != head)
            {
                throw BadMagic(first, head, 0);
            }
        }

        uint magic = ReadMagicWord("the image magic");
        if (magic != type.Magic)
        {
            throw BadMagic(magic, type.Magic, _stream.Position - 4);
        }
    }

    private CriuImageException BadMagic(uint found, uint expected, long offset)
    {
        string name = System.IO.Path.GetFileName(Path);
        string what = CriuMagic.IsByteSwapped(found, expected)
            ? "it was written by a big-endian host (magic " + CriuMagic.Hex(found) + "), which this reader does not read"
            : "found " + CriuMagic.Hex(found) + (CriuMagic.MagicName(found) is string n ? " (" + n + ")" : string.Empty) + " where " + CriuMagic.Hex(expected)
              + (CriuMagic.MagicName(expected) is string e ? " (" + e + ")" : string.Empty) + " belongs";
        return new CriuImageException(CriuImageErrorKind.BadMagic, name + " is not a valid CRIU image: " + what + ".", Path, offset);
    }

    private uint ReadMagicWord(string what)
    {
        long at = _stream.Position;
        int n = ReadFully(_word);
        if (n < 4)
        {
            throw new CriuImageException(CriuImageErrorKind.Truncated,
                System.IO.Path.GetFileName(Path) + " ends inside " + what + " (" + (at + n).ToString(CultureInfo.InvariantCulture) + " bytes).", Path, at);
        }

        return BinaryPrimitives.ReadUInt32LittleEndian(_word);
    }

    /// <summary>The next entry of any message type (<paramref name="parser"/> decides), or null at the end of the file.</summary>
    public IMessage? Next(MessageParser parser, out long offset)
    {
        offset = _stream.Position;
        byte[]? payload = NextPayload();
        if (payload is null)
        {
            return null;
        }

        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            string type = parser.GetType().IsGenericType ? parser.GetType().GenericTypeArguments[0].Name : "message";
            throw new CriuImageException(CriuImageErrorKind.InvalidMessage,
                System.IO.Path.GetFileName(Path) + ": the entry at offset " + offset.ToString(CultureInfo.InvariantCulture) + " is not a valid " + type + " (" + ex.Message + ").",
                Path, offset, ex);
        }
    }

    /// <summary>The bytes from here to the end of the file.</summary>
    public byte[] ReadRest() => ReadPayload(checked((int)(_stream.Length - _stream.Position)));

    private byte[]? NextPayload()
    {
        long at = _stream.Position;
        int n = ReadFully(_word);
        if (n == 0)
        {
            return null;
        }

        string name = System.IO.Path.GetFileName(Path);
        if (n < 4)
        {
            throw new CriuImageException(CriuImageErrorKind.Truncated, name + " ends inside the length of the entry at offset " + at.ToString(CultureInfo.InvariantCulture) + ".", Path, at);
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(_word);
        long left = _stream.Length - _stream.Position;
        if (length > MaxEntryLength)
        {
            throw new CriuImageException(CriuImageErrorKind.BadLength,
                name + ": the entry at offset " + at.ToString(CultureInfo.InvariantCulture) + " claims " + length.ToString(CultureInfo.InvariantCulture)
                + " bytes, more than any CRIU entry; the framing is broken.", Path, at);
        }

        if (length > left)
        {
            throw new CriuImageException(CriuImageErrorKind.Truncated,
                name + ": the entry at offset " + at.ToString(CultureInfo.InvariantCulture) + " needs " + length.ToString(CultureInfo.InvariantCulture)
                + " bytes but only " + left.ToString(CultureInfo.InvariantCulture) + " remain.", Path, at);
        }

        byte[] payload = new byte[length];
        ReadFully(payload);
        return payload;
    }

    /// <summary>The next entry, or null at the end of the file.</summary>
    public T? Next<T>(MessageParser<T> parser)
        where T : class, IMessage<T>
        => (T?)Next(parser, out _);

    /// <summary>Every remaining entry.</summary>
    public List<T> ReadAll<T>(MessageParser<T> parser)
        where T : class, IMessage<T>
    {
        var list = new List<T>();
        while (Next(parser) is T entry)
        {
            list.Add(entry);
        }

        return list;
    }

    /// <summary>Skips <paramref name="length"/> bytes of raw payload that follow an entry.</summary>
    public void SkipPayload(long length)
    {
        long left = _stream.Length - _stream.Position;
        if (length > left)
        {
            throw new CriuImageException(CriuImageErrorKind.Truncated,
                System.IO.Path.GetFileName(Path) + ": the payload at offset " + _stream.Position.ToString(CultureInfo.InvariantCulture) + " needs "
                + length.ToString(CultureInfo.InvariantCulture) + " bytes but only " + left.ToString(CultureInfo.InvariantCulture) + " remain.", Path, _stream.Position);
        }

        _stream.Seek(length, SeekOrigin.Current);
    }

    /// <summary>Reads <paramref name="length"/> bytes of raw payload that follow an entry.</summary>
    public byte[] ReadPayload(int length)
    {
        long at = _stream.Position;
        byte[] bytes = new byte[length];
        if (ReadFully(bytes) < length)
        {
            throw new CriuImageException(CriuImageErrorKind.Truncated,
                System.IO.Path.GetFileName(Path) + ": the payload at offset " + at.ToString(CultureInfo.InvariantCulture) + " is cut short.", Path, at);
        }

        return bytes;
    }

    private int ReadFully(Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = _stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    public void Dispose() => _stream.Dispose();
}
