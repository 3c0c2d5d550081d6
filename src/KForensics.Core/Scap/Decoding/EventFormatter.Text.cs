using System.Buffers;
using System.Globalization;
using System.Text;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Decoding;

internal static partial class EventFormatter
{
    // Size of sinsp's value buffer: path values are cut to it and fd lists stop before it.
    private const int ValueStorage = 1024;

    private const long AtFdCwd = -100;

    // printf of the table's numeric formats, with C's promotions: a u32 printed "%d" is signed,
    // a u64 is read as i64, 8/16/32-bit values are printed "%X"/"%o" as 32-bit unsigned.
    private static void AppendNumber(StringBuilder value, ParamType type, PrintFormat format, ReadOnlySpan<byte> tail)
    {
        int size = type switch
        {
            ParamType.Int8 or ParamType.UInt8 => 1,
            ParamType.Int16 or ParamType.UInt16 => 2,
            ParamType.Int32 or ParamType.UInt32 => 4,
            _ => 8,
        };
        ulong raw = Params.ReadUnsigned(tail, size);
        long promoted = type switch
        {
            ParamType.Int8 => (sbyte)raw,
            ParamType.Int16 => (short)raw,
            ParamType.Int32 => (int)raw,
            ParamType.UInt32 => (int)(uint)raw,
            _ => (long)raw,
        };
        ulong bits = size == 8 ? (ulong)promoted : (uint)(int)promoted;
        switch (format)
        {
            case PrintFormat.Hex:
                AppendFormatted(value, bits, "X");
                break;
            case PrintFormat.Oct:
                AppendOctal(value, bits);
                break;
            case PrintFormat.PaddedDec:
                if (promoted < 0)
                {
                    AppendFormatted(value.Append('-'), 0UL - (ulong)promoted, "D8");
                }
                else
                {
                    AppendFormatted(value, (ulong)promoted, "D9");
                }

                break;
            default:
                value.Append(promoted);
                break;
        }
    }

    // Formats without an intermediate string.
    internal static StringBuilder AppendFormatted(StringBuilder value, ulong number, string format)
    {
        Span<char> digits = stackalloc char[24];
        number.TryFormat(digits, out int written, format, CultureInfo.InvariantCulture);
        return value.Append(digits[..written]);
    }

    // "%#o": octal with a leading 0, except for 0 itself.
    private static void AppendOctal(StringBuilder value, ulong bits)
    {
        if (bits == 0)
        {
            value.Append('0');
            return;
        }

        Span<char> digits = stackalloc char[23];
        int at = digits.Length;
        while (bits != 0)
        {
            digits[--at] = (char)('0' + (int)(bits & 7));
            bits >>= 3;
        }

        digits[--at] = '0';
        value.Append(digits[at..]);
    }

    // "%lg": six significant digits, C's lower-case exponent.
    private static void AppendGeneral(StringBuilder value, double number)
    {
        string text = number.ToString("G6", CultureInfo.InvariantCulture);
        int e = text.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            value.Append(text);
        }
        else
        {
            value.Append(text.AsSpan(0, e)).Append('e').Append(text.AsSpan(e + 1));
        }
    }

    // sysdig's flag rendering: names in table order whose bits are all set (each consumed once),
    // and a name whose value equals the whole value ends the list.
    private static void AppendFlagNames(StringBuilder resolved, uint value, IReadOnlyList<FlagName> names)
    {
        uint initial = value;
        int i = 0;
        bool first = true;
        for (; i < names.Count && (uint)names[i].Value != initial; i++)
        {
            uint flag = (uint)names[i].Value;
            if ((flag == 0 && initial == 0) || (flag != 0 && (value & flag) == flag && value != 0))
            {
                resolved.Append(first ? string.Empty : "|").Append(names[i].Name);
                first = false;
                value &= ~flag;
            }
        }

        if (i < names.Count)
        {
            resolved.Append(first ? string.Empty : "|").Append(names[i].Name);
        }
    }

    private static void AppendSignalSet(StringBuilder value, uint set)
    {
        bool first = true;
        for (int signal = 0; signal < 32; signal++)
        {
            if ((set & (1U << signal)) != 0 && SysdigNames.Signal(signal + 1) is { } name)
            {
                value.Append(first ? string.Empty : " ").Append(name);
                first = false;
            }
        }
    }

    private static void FormatOwner(IEventContext? context, bool user, uint id, StringBuilder value, StringBuilder resolved)
    {
        value.Clear();
        if (id == uint.MaxValue)
        {
            value.Append("-1");
            resolved.Append("<NONE>");
            return;
        }

        value.Append((int)id);
        string? name = null;
        bool found = context is not null && (user ? context.TryGetUserName(id, out name) : context.TryGetGroupName(id, out name));
        if (found)
        {
            AppendSanitized(resolved, name!);
        }
        else
        {
            resolved.Append("<NA>");
        }
    }

    private static void FormatFd(ref FormatState state, long fd, StringBuilder value, StringBuilder resolved)
    {
        value.Clear().Append(fd);
        if (!state.HasThread)
        {
            return;
        }

        if (fd >= 0)
        {
            if (state.Context!.TryGetFd(fd, out string tag, out string name))
            {
                resolved.Append('<').Append(tag).Append('>');
                AppendSanitized(resolved, name);
            }
        }
        else if (fd == AtFdCwd)
        {
            resolved.Append("AT_FDCWD");
        }
        else if (SysdigNames.Errno((int)fd) is { } error)
        {
            resolved.Append(error);
        }
    }

    private static void AppendFdList(StringBuilder value, ReadOnlySpan<byte> tail, IEventContext context)
    {
        int count = (int)Params.ReadUnsigned(tail, 2);
        int pos = 2;
        int start = value.Length;
        for (int j = 0; j < count; j++)
        {
            ReadOnlySpan<byte> entry = pos < tail.Length ? tail[pos..] : [];
            long fd = (long)Params.ReadUnsigned(entry, 8);
            short events = (short)Params.ReadUnsigned(entry.Length > 8 ? entry[8..] : [], 2);
            char type = context.TryGetFd(fd, out string tag, out _) && tag.Length > 0 ? tag[0] : '?';
            int before = value.Length;
            AppendFormatted(value.Append((ulong)fd).Append(':').Append(type), (uint)(int)events, "x");
            if (j < count - 1)
            {
                value.Append(' ');
            }

            // sinsp's buffer ends the list when the next entry would not fit.
            if (value.Length - start >= ValueStorage - 1)
            {
                value.Length = before;
                break;
            }

            pos += 10;
        }
    }

    private static void AppendDots(StringBuilder value, ReadOnlySpan<byte> payload)
    {
        int shown = payload.Length > MaxBufferText ? MaxBufferText - 3 : payload.Length;
        for (int i = 0; i < shown; i++)
        {
            byte b = payload[i];
            value.Append(IsPrintable(b) ? (char)b : '.');
        }

        if (shown < payload.Length)
        {
            value.Append("...");
        }
    }

    private static bool IsPrintable(byte b) => b is >= 0x20 and <= 0x7E;

    private static bool IsPrintable(char c) => c is >= ' ' and <= '~';

    private static void AppendSanitized(StringBuilder target, string text)
    {
        foreach (char c in text)
        {
            if (IsPrintable(c))
            {
                target.Append(c);
            }
        }
    }

    private static void AppendSanitized(StringBuilder target, ReadOnlySpan<byte> text)
    {
        foreach (byte b in text)
        {
            if (IsPrintable(b))
            {
                target.Append((char)b);
            }
        }
    }

    private static void AppendUtf8(StringBuilder target, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        int max = Encoding.UTF8.GetMaxCharCount(bytes.Length);
        char[]? rented = null;
        Span<char> chars = max <= 512 ? stackalloc char[max] : (rented = ArrayPool<char>.Shared.Rent(max));
        int written = Encoding.UTF8.GetChars(bytes, chars);
        target.Append(chars[..written]);
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }
}
