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

    public static string Describe(string engineMessage, bool local)
    {
        var text = new StringBuilder("CRIU failed: ").Append(engineMessage);
        Match match = LogFilePattern().Match(engineMessage);
        if (local && match.Success && File.Exists(match.Groups["path"].Value))
        {
            string[] lines = File.ReadAllLines(match.Groups["path"].Value);
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
}
