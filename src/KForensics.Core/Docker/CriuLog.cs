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

    [GeneratedRegex(@"log file:\s*(?<path>[^\s""]+)")]
    private static partial Regex LogFilePattern();

    public static string Describe(string engineMessage, bool local)
    {
        var text = new StringBuilder("CRIU failed: ").Append(engineMessage);
        Match match = LogFilePattern().Match(engineMessage);
        if (local && match.Success && File.Exists(match.Groups["path"].Value))
        {
            string[] lines = File.ReadAllLines(match.Groups["path"].Value);
            text.AppendLine().Append("Last lines of ").Append(match.Groups["path"].Value).AppendLine(":");
            foreach (string line in lines.Skip(Math.Max(0, lines.Length - TailLines)))
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
