using System.Buffers.Binary;
using System.Text;

namespace KForensics.Core.Scap.Format;

/// <summary>
/// Tolerant parameter access for the state parsers: a parameter the file does not carry (older
/// writers) reads as empty / zero instead of failing, so one odd event cannot stop a capture.
/// </summary>
internal static class Params
{
    public static bool Has(scoped in RawEvent e, int i) => i < e.ParamCount;

    public static ReadOnlySpan<byte> Get(scoped in RawEvent e, int i) => i < e.ParamCount ? e.GetParam(i) : default;

    public static long I64(scoped in RawEvent e, int i)
    {
        ReadOnlySpan<byte> p = Get(e, i);
        return p.Length >= 8 ? BinaryPrimitives.ReadInt64LittleEndian(p) : p.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(p) : 0;
    }

    public static ulong U64(scoped in RawEvent e, int i)
    {
        ReadOnlySpan<byte> p = Get(e, i);
        return p.Length >= 8 ? BinaryPrimitives.ReadUInt64LittleEndian(p) : U32(e, i);
    }

    public static uint U32(scoped in RawEvent e, int i)
    {
        ReadOnlySpan<byte> p = Get(e, i);
        return p.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(p) : p.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(p) : p.Length == 1 ? p[0] : 0u;
    }

    /// <summary>A CHARBUF/FSPATH parameter as text, up to its NUL.</summary>
    public static string Str(scoped in RawEvent e, int i) => CStr(Get(e, i));

    public static string CStr(ReadOnlySpan<byte> p)
    {
        int nul = p.IndexOf((byte)0);
        if (nul >= 0)
        {
            p = p[..nul];
        }

        return p.IsEmpty ? "" : Encoding.UTF8.GetString(p);
    }

    /// <summary>A NUL-separated list parameter (args, env, cgroups), split as sinsp's set_args does.</summary>
    public static IReadOnlyList<string> List(scoped in RawEvent e, int i) => NulList(Get(e, i));

    /// <summary>A NUL-separated list (args, env, cgroups); a missing final NUL is tolerated.</summary>
    internal static IReadOnlyList<string> NulList(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return [];
        }

        var items = new List<string>();
        while (!bytes.IsEmpty)
        {
            int nul = bytes.IndexOf((byte)0);
            if (nul < 0)
            {
                items.Add(Encoding.UTF8.GetString(bytes));
                break;
            }

            items.Add(Encoding.UTF8.GetString(bytes[..nul]));
            bytes = bytes[(nul + 1)..];
        }

        return items;
    }
}
