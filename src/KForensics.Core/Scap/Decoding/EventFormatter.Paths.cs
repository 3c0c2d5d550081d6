using System.Buffers;
using System.Text;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Decoding;

internal static partial class EventFormatter
{
    private static void FormatPath(ref FormatState state, ParamInfo info, int length, ReadOnlySpan<byte> tail, StringBuilder value, StringBuilder resolved)
    {
        // Zero length: sinsp copies nothing, so the previous parameter's text stays.
        if (length > 0)
        {
            value.Clear();
            AppendSanitizedCopy(value, tail, Math.Min(length, ValueStorage));
        }

        if (!state.HasThread || length == 0 || tail.StartsWith("<NA>"u8))
        {
            return;
        }

        // Only relative paths get a resolved form; absolute ones print once.
        if (tail.Length > 0 && tail[0] == (byte)'/')
        {
            return;
        }

        string baseDir = BaseDirectory(ref state, info);
        AppendJoinedPath(resolved, baseDir, Params.CString(tail));
    }

    // sinsp's strcpy_sanitized: drops unprintable bytes, stops at NUL or after `limit` kept bytes,
    // and then (no NUL seen) cuts the last one for its terminator.
    private static void AppendSanitizedCopy(StringBuilder value, ReadOnlySpan<byte> tail, int limit)
    {
        int start = value.Length;
        int kept = 0;
        for (int k = 0; kept < limit; k++)
        {
            byte c = k < tail.Length ? tail[k] : (byte)0;
            if (c == 0)
            {
                return;
            }

            if (IsPrintable(c))
            {
                value.Append((char)c);
                kept++;
            }
        }

        value.Length = start + limit - 1;
    }

    // The directory a relative path is relative to: the thread cwd, or for FsRelPath the path of
    // the dirfd parameter's fd (empty when that fd is unknown, as offline sinsp cannot look it up).
    private static string BaseDirectory(ref FormatState state, ParamInfo info)
    {
        string? cwd = state.Context!.Cwd;
        cwd = cwd is null ? string.Empty : cwd.EndsWith('/') ? cwd : cwd + "/";
        if (info.Type != ParamType.FsRelPath)
        {
            return cwd;
        }

        int dir = info.DirFdIndex;
        if (dir < 0 || dir >= state.Table.Count || state.Table[dir].Type != ParamType.Fd || dir >= state.Values.Count)
        {
            return cwd;
        }

        long dirfd = (long)Params.ReadUnsigned(state.Values.Tail(dir), 8);
        if (dirfd == AtFdCwd)
        {
            return cwd;
        }

        if (!state.Context.TryGetFd(dirfd, out _, out string name) || name.Length == 0)
        {
            return string.Empty;
        }

        var sanitized = new StringBuilder(name.Length + 1);
        AppendSanitized(sanitized, name);
        return sanitized.Append('/').ToString();
    }

    // sinsp's concatenate_paths for a relative path: the base, then the path with "./" dropped,
    // "../" rewinding one directory, "//" collapsed, unprintable bytes as '.', no trailing '/'.
    // The checks run at every character, not only at the start of a component, as in sinsp.
    private static void AppendJoinedPath(StringBuilder resolved, string baseDir, ReadOnlySpan<byte> path)
    {
        char[] buffer = ArrayPool<char>.Shared.Rent(baseDir.Length + path.Length + 2);
        try
        {
            baseDir.CopyTo(0, buffer, 0, baseDir.Length);
            int tc = baseDir.Length;
            int pc = 0;
            while (true)
            {
                byte c = At(path, pc);
                if (c == 0)
                {
                    if (tc > 1 && buffer[tc - 1] == '/')
                    {
                        tc--;
                    }

                    break;
                }

                if (!IsPrintable(c))
                {
                    buffer[tc++] = '.';
                    pc++;
                    continue;
                }

                byte c1 = At(path, pc + 1);
                byte c2 = c1 == 0 ? (byte)0 : At(path, pc + 2);
                if (c == '.' && c1 == '.' && c2 == '/')
                {
                    Rewind(buffer, ref tc);
                    pc += 3;
                }
                else if (c == '.' && c1 == '.')
                {
                    if (c2 == 0)
                    {
                        Rewind(buffer, ref tc);
                    }
                    else
                    {
                        buffer[tc++] = '.';
                        buffer[tc++] = '.';
                    }

                    pc += 2;
                }
                else if (c == '.' && c1 == '/')
                {
                    pc += 2;
                }
                else if (c == '.' && c1 == 0)
                {
                    pc++;
                }
                else if (c == '/' && tc > 0 && buffer[tc - 1] == '/')
                {
                    pc++;
                }
                else
                {
                    buffer[tc++] = (char)c;
                    pc++;
                }
            }

            resolved.Append(buffer, 0, tc);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static byte At(ReadOnlySpan<byte> path, int index) => index < path.Length ? path[index] : (byte)0;

    private static void Rewind(char[] buffer, ref int tc)
    {
        if (tc <= 1)
        {
            return;
        }

        tc--;
        while (tc >= 1 && buffer[tc - 1] != '/')
        {
            tc--;
        }
    }
}
