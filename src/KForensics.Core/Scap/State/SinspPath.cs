using System.Text;

namespace KForensics.Core.Scap.State;

/// <summary>
/// Path joining and normalising exactly as sinsp does it for fd names and cwd (its
/// concatenate_paths): '..' rewinds, './' and repeated '/' vanish, a trailing '/' is dropped and
/// unprintable characters become '.'. The quirks are kept on purpose so names match sysdig's.
/// </summary>
internal static class SinspPath
{
    private const int MaxPath = 1024;

    /// <summary>
    /// Joins <paramref name="directory"/> and <paramref name="path"/> (the directory is ignored when
    /// the path is absolute or absent: null stands for a parameter the event did not carry).
    /// </summary>
    public static string Concatenate(string directory, string? path)
    {
        // The C code measures the name with its NUL.
        int pathLength = path is null ? 0 : path.Length + 1;
        if (directory.Length + pathLength + 1 > MaxPath)
        {
            return "/PATH_TOO_LONG";
        }

        path ??= "";
        var target = new StringBuilder(directory.Length + path.Length);
        if (pathLength != 0 && (path.Length == 0 || path[0] != '/'))
        {
            target.Append(directory);
        }

        Sanitize(target, path);
        return target.ToString();
    }

    private static void Sanitize(StringBuilder t, string p)
    {
        int pc = 0;
        while (true)
        {
            if (pc >= p.Length || p[pc] == '\0')
            {
                if (t.Length > 1 && t[^1] == '/')
                {
                    t.Length--;
                }

                return;
            }

            char c = p[pc];
            char n1 = At(p, pc + 1), n2 = At(p, pc + 2);
            if (c < 0x20 || c == 0x7F)
            {
                t.Append('.');
                pc++;
            }
            else if (c >= 0x80)
            {
                // Every byte of a multi-byte UTF-8 character is unprintable to the C locale.
                t.Append('.', char.IsSurrogate(c) ? 2 : c < 0x800 ? 2 : 3);
                pc++;
            }
            else if (c == '.' && n1 == '.' && n2 == '/')
            {
                Rewind(t);
                pc += 3;
            }
            else if (c == '.' && n1 == '.')
            {
                if (n2 == '\0')
                {
                    Rewind(t);
                    pc += 2;
                }
                else
                {
                    t.Append("..");
                    pc += 2;
                }
            }
            else if (c == '.' && n1 == '/')
            {
                pc += 2;
            }
            else if (c == '.')
            {
                if (n1 != '\0')
                {
                    t.Append('.');
                }

                pc++;
            }
            else if (c == '/')
            {
                if (!(t.Length > 0 && t[^1] == '/'))
                {
                    t.Append('/');
                }

                pc++;
            }
            else
            {
                t.Append(c);
                pc++;
            }
        }
    }

    // Back to just after the previous '/', never before the first character.
    private static void Rewind(StringBuilder t)
    {
        if (t.Length <= 1)
        {
            return;
        }

        t.Length--;
        while (t.Length >= 1 && t[^1] != '/')
        {
            t.Length--;
        }
    }

    private static char At(string s, int i) => i < s.Length ? s[i] : '\0';
}
