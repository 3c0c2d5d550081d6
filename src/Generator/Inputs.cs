using System.Diagnostics;
using System.Text;

namespace KForensics.Generator;

/// <summary>One parameter of an event: name, type, print format, and the optional flag table, dynamic table and dirfd link.</summary>
internal sealed record Param(string Name, string Type, string Format, string? Table = null, string? Dyn = null, int DirFd = -1);

/// <summary>One row of an event table: id, name, category, flags (as EventFlags member names) and parameters.</summary>
internal sealed record EventRow(int Id, string Identifier, string Name, string Category, string[] Flags, Param[] Params);

/// <summary>One field as <c>sysdig -lv</c> lists it.</summary>
internal sealed record SysdigField(string Class, string Name, string Type, string Description);

/// <summary>An event as <c>sysdig -L</c> lists it: direction, name and (type, name) of each parameter.</summary>
internal sealed record SysdigEvent(bool Enter, string Name, (string Type, string Name)[] Params);

/// <summary>Reads the data files and sysdig's own lists.</summary>
internal static class Inputs
{
    /// <summary>The rows of a tab-separated data file: blank lines and lines starting with '#' are comments.</summary>
    public static List<string[]> ReadTsv(string path)
    {
        var rows = new List<string[]>();
        foreach (string line in File.ReadAllLines(path))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            rows.Add(line.Split('\t'));
        }

        return rows;
    }

    public static string[] ParseFlags(string text) => text == "None" ? [] : text.Split('|');

    /// <summary>
    /// A parameter written <c>name:Type:Format[:Table][:dyn=Table][:dirfd=N]</c>, or without
    /// <c>name:Type:</c> when <paramref name="nameAndType"/> gives them (sysdig's list does).
    /// </summary>
    public static Param ParseParam(string spec, (string Type, string Name)? nameAndType = null)
    {
        string[] parts = spec.Split(':');
        int first = nameAndType is null ? 2 : 0;
        if (parts.Length <= first)
        {
            throw new FormatException($"Parameter '{spec}' needs {(nameAndType is null ? "name:Type:Format" : "Format")}.");
        }

        string name = nameAndType?.Name ?? parts[0];
        string type = nameAndType?.Type ?? parts[1];
        string format = parts[first];
        if (!PrintFormats.Contains(format))
        {
            throw new FormatException($"Parameter '{spec}': '{format}' is not a print format.");
        }

        string? table = null, dyn = null;
        int dirFd = -1;
        foreach (string extra in parts.Skip(first + 1))
        {
            if (extra.StartsWith("dyn=", StringComparison.Ordinal))
            {
                dyn = extra[4..];
            }
            else if (extra.StartsWith("dirfd=", StringComparison.Ordinal))
            {
                dirFd = int.Parse(extra[6..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                table = extra;
            }
        }

        return new Param(name, type, format, table, dyn, dirFd);
    }

    private static readonly HashSet<string> PrintFormats = ["NA", "Dec", "Hex", "PaddedDec", "Id", "Dir", "Oct"];

    /// <summary>Runs sysdig with the given arguments and returns its standard output.</summary>
    public static string RunSysdig(string sysdig, params string[] arguments)
    {
        var start = new ProcessStartInfo(sysdig)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{sysdig} did not start.");
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{sysdig} {string.Join(' ', arguments)} exited with {process.ExitCode}: {error.Result}");
        }

        return output;
    }

    /// <summary>
    /// <c>sysdig -L</c>: one line per event, <c>&gt; name(TYPE pname, ...)</c>, in id order, without the events
    /// that are unused, old versions or of the internal category.
    /// </summary>
    public static List<SysdigEvent> ParseEventList(string text)
    {
        var events = new List<SysdigEvent>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            int open = line.IndexOf('(', StringComparison.Ordinal);
            if (line.Length < 4 || line[0] is not ('>' or '<') || line[1] != ' ' || open < 0 || line[^1] != ')')
            {
                throw new FormatException($"Unexpected line in sysdig -L: '{line}'.");
            }

            string inner = line[(open + 1)..^1];
            (string, string)[] parameters = inner.Length == 0 ? [] : inner.Split(", ").Select(p =>
            {
                int space = p.IndexOf(' ', StringComparison.Ordinal);
                return (p[..space], p[(space + 1)..]);
            }).ToArray();
            events.Add(new SysdigEvent(line[0] == '>', line[2..open], parameters));
        }

        return events;
    }

    /// <summary>
    /// <c>sysdig -lv</c>: classes headed by <c>Field Class: NAME (...)</c>, then one field per entry, its name
    /// in the first 30 columns (alone on its line when longer) and <c>(Type: T) description</c> wrapped onto
    /// lines indented by 30 spaces.
    /// </summary>
    public static List<SysdigField> ParseFieldList(string text)
    {
        var fields = new List<SysdigField>();
        string? fieldClass = null;
        bool inHeader = false;
        string? name = null;
        var body = new List<string>();

        void Flush()
        {
            if (name is null)
            {
                return;
            }

            string joined = string.Join(' ', body.Where(b => b.Length > 0));
            const string prefix = "(Type: ";
            int close = joined.IndexOf(')', StringComparison.Ordinal);
            if (!joined.StartsWith(prefix, StringComparison.Ordinal) || close < 0)
            {
                throw new FormatException($"The field '{name}' in sysdig -lv has no type.");
            }

            fields.Add(new SysdigField(fieldClass!, name, joined[prefix.Length..close], joined[(close + 1)..].Trim()));
            name = null;
            body.Clear();
        }

        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.StartsWith("Field Class:", StringComparison.Ordinal))
            {
                Flush();
                fieldClass = line["Field Class:".Length..].Trim().Split(' ')[0];
                inHeader = true;
            }
            else if (line.StartsWith("---", StringComparison.Ordinal))
            {
                Flush();
            }
            else if (line.Length == 0)
            {
                inHeader = false;
            }
            else if (inHeader)
            {
                continue;
            }
            else if (line[0] != ' ')
            {
                Flush();
                int space = line.IndexOf(' ', StringComparison.Ordinal);
                name = space < 0 ? line : line[..space];
                body.Add(space < 0 ? string.Empty : line[space..].Trim());
            }
            else
            {
                body.Add(line.Trim());
            }
        }

        Flush();
        return fields;
    }
}
