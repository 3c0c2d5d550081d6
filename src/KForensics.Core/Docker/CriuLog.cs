using System.Text;
using System.Text.RegularExpressions;

namespace KForensics.Core.Docker;

/// <summary>
/// runc names CRIU's dump/restore log in its error ("log file: /.../dump.log"); on a local engine the
/// tail of that log says what CRIU could not handle, which the engine's one-line message does not.
/// </summary>
internal static partial class CriuLog
{
    private const int TailLines = 15;

    // runc 1.1 says "path= /.../criu-dump.log"; other versions say "log file: /.../dump.log".
    [GeneratedRegex(@"(?:log file:|path=)\s*(?<path>/[^\s""]+?\.log)")]
    private static partial Regex LogFilePattern();

    public static string Describe(string engineMessage, bool local, Func<string>? criuVersion = null)
    {
        var text = new StringBuilder("CRIU failed: ").Append(engineMessage);
        Match match = LogFilePattern().Match(engineMessage);
        if (local && match.Success && File.Exists(match.Groups["path"].Value))
        {
            string[] lines = File.ReadAllLines(match.Groups["path"].Value);
            if (SocketFailure(lines, criuVersion?.Invoke() ?? string.Empty) is string socket)
            {
                text.Insert(0, socket + Environment.NewLine);
            }

            // CRIU's own "Error (file:line)" lines say what it could not dump; the tail shows where it stopped.
            string[] errors = lines.Where(l => l.Contains("Error (", StringComparison.Ordinal)).Take(8).ToArray();
            text.AppendLine().Append("From ").Append(match.Groups["path"].Value).AppendLine(":");
            foreach (string line in errors.Concat(lines.Skip(Math.Max(0, lines.Length - TailLines)).Except(errors)))
            {
                text.AppendLine(line);
            }
        }
        else if (engineMessage.Contains("executable file not found", StringComparison.OrdinalIgnoreCase) || engineMessage.Contains("criu: not found", StringComparison.OrdinalIgnoreCase))
        {
            text.Append(" Install CRIU (4.x) where dockerd can find it on its PATH.");
        }

        return text.ToString().TrimEnd();
    }

    [GeneratedRegex(@"Dumping task \(pid: (?<pid>\d+) comm: (?<comm>[^)]*)\)")]
    private static partial Regex TaskPattern();

    [GeneratedRegex(@"^\(\s*[\d.]+\)\s+(?<pid>\d+) fdinfo (?<fd>\d+):")]
    private static partial Regex FdPattern();

    [GeneratedRegex(@"[Ss]earching for socket (?<ino>0x[0-9a-f]+) family (?<family>\d+)")]
    private static partial Regex SocketPattern();

    [GeneratedRegex(@"Error \((?<src>criu/(?:sockets|sk-[a-z]+|net)\.c):\d+\):\s*(?<what>.*)$")]
    private static partial Regex SocketErrorPattern();

    [GeneratedRegex(@"Can't get (?<level>\d+):(?<opt>\d+) opt")]
    private static partial Regex OptionPattern();

    /// <summary>
    /// When CRIU stopped at a socket, one sentence naming it: its family and inode, the descriptor and
    /// process that held it, what CRIU said, and the CRIU version; null when the failure was not a socket's.
    /// </summary>
    internal static string? SocketFailure(IReadOnlyList<string> lines, string criuVersion)
    {
        string? pid = null, comm = null, fd = null, inode = null, family = null;
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i];
            if (TaskPattern().Match(line) is { Success: true } task)
            {
                (pid, comm, fd, inode, family) = (task.Groups["pid"].Value, task.Groups["comm"].Value, null, null, null);
            }
            else if (FdPattern().Match(line) is { Success: true } f)
            {
                (fd, inode, family) = (f.Groups["fd"].Value, null, null);
            }
            else if (SocketPattern().Match(line) is { Success: true } sk)
            {
                (inode, family) = (sk.Groups["ino"].Value, sk.Groups["family"].Value);
            }
            else if (SocketErrorPattern().Match(line) is { Success: true } error)
            {
                string what = error.Groups["what"].Value.Trim();
                if (what.StartsWith("sockets: ", StringComparison.Ordinal))
                {
                    what = what["sockets: ".Length..];
                }

                if (OptionPattern().Match(what) is { Success: true } opt && OptionName(opt.Groups["level"].Value, opt.Groups["opt"].Value) is string name)
                {
                    what += " (" + name + ")";
                }

                var text = new StringBuilder("CRIU").Append(criuVersion.Length > 0 ? " " + criuVersion : string.Empty).Append(" could not handle ");
                text.Append(family is null ? "a socket" : "the " + FamilyName(family) + " socket");
                if (inode is not null)
                {
                    text.Append(" (inode ").Append(Convert.ToInt64(inode, 16).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(')');
                }

                if (fd is not null)
                {
                    text.Append(" on fd ").Append(fd);
                }

                if (pid is not null)
                {
                    text.Append(" of process ").Append(pid).Append(" (").Append(comm).Append(')');
                }

                text.Append(": ").Append(what).Append('.');
                if (what.Contains("1:16", StringComparison.Ordinal) || what.Contains("1:34", StringComparison.Ordinal))
                {
                    text.Append(" Kernels from 6.x refuse SO_PASSCRED/SO_PASSSEC on inet sockets, which CRIU before 4.2 asks for on every socket; CRIU 4.2 or later dumps such sockets.");
                }

                return text.ToString();
            }
        }

        return null;
    }

    private static string FamilyName(string family) => family switch
    {
        "1" => "unix",
        "2" => "IPv4",
        "10" => "IPv6",
        "16" => "netlink",
        "17" => "packet",
        _ => "family-" + family,
    };

    private static string? OptionName(string level, string option) => (level, option) switch
    {
        ("1", "16") => "SO_PASSCRED",
        ("1", "34") => "SO_PASSSEC",
        _ => null,
    };
}
