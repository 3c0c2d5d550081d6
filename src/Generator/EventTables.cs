using System.Globalization;
using System.Text;

namespace KForensics.Generator;

/// <summary>
/// The event table (EventIds and EventTableData.*): the current view from Data/events.tsv, the sysdig 0.29.3
/// view from sysdig -L (names, parameter names and types) completed by Data/events-sysdig-0.29.3.tsv (ids,
/// categories, flags, print formats, flag tables), and the flag and dynamic-parameter tables.
/// </summary>
internal static class EventTables
{
    // The current table is written in two files, ids below this one in the first.
    private const int SplitId = 230;

    private const string Usings =
        "using C = KForensics.Core.Scap.Format.EventCategory;\n" +
        "using F = KForensics.Core.Scap.Format.PrintFormat;\n" +
        "using Fl = KForensics.Core.Scap.Format.EventFlags;\n" +
        "using T = KForensics.Core.Scap.Format.ParamType;\n\n";

    public static void Generate(Generation g, string sysdigEventList)
    {
        List<EventRow> current = ReadCurrent(g.Data("events.tsv"));
        var knownTypes = current.SelectMany(e => e.Params).Select(p => p.Type).ToHashSet(StringComparer.Ordinal);
        List<EventRow> sysdig = ReadSysdig(g.Data("events-sysdig-0.29.3.tsv"), Inputs.ParseEventList(sysdigEventList), knownTypes);

        const string currentSources = "src/Generator/Data/events.tsv";
        string sysdigSources = "src/Generator/Data/events-sysdig-0.29.3.tsv and the event list of sysdig 0.29.3 (sysdig -L)";

        g.Write(Paths.EventIds, Ids(current, sysdig.Count, currentSources));
        g.Write(Paths.EventsFirst, Events("DefineEvents0", current.Where(e => e.Id < SplitId), currentSources));
        g.Write(Paths.EventsSecond, Events("DefineEvents1", current.Where(e => e.Id >= SplitId), currentSources));
        g.Write(Paths.EventsSysdig, Sysdig(sysdig, current, sysdigSources));
        g.Write(Paths.EventFlags, FlagTables(g, "src/Generator/Data/flag-tables.tsv and dynamic-params.tsv"));
    }

    private static List<EventRow> ReadCurrent(string path)
    {
        var rows = new List<EventRow>();
        foreach (string[] row in Inputs.ReadTsv(path))
        {
            int id = int.Parse(row[0], CultureInfo.InvariantCulture);
            if (id != rows.Count)
            {
                throw new FormatException($"{path}: id {id} where {rows.Count} was expected (every id in order).");
            }

            rows.Add(new EventRow(id, row[1], row[2], row[3], Inputs.ParseFlags(row[4]), row.Skip(5).Select(p => Inputs.ParseParam(p)).ToArray()));
        }

        return rows;
    }

    // sysdig -L lists every event but the unused ones, the old versions and those of the internal category;
    // those take their names and parameter types from it, the others carry them in the data file.
    private static bool ListedBySysdig(string category, string[] flags)
        => category != "Internal" && !flags.Contains("Unused") && !flags.Contains("OldVersion");

    private static List<EventRow> ReadSysdig(string path, List<SysdigEvent> listed, HashSet<string> knownTypes)
    {
        var rows = new List<EventRow>();
        int next = 0;
        foreach (string[] row in Inputs.ReadTsv(path))
        {
            int id = int.Parse(row[0], CultureInfo.InvariantCulture);
            if (id != rows.Count)
            {
                throw new FormatException($"{path}: id {id} where {rows.Count} was expected (every id in order).");
            }

            string name = row[1], category = row[2];
            string[] flags = Inputs.ParseFlags(row[3]);
            string[] specs = row.Skip(4).ToArray();
            Param[] parameters;
            if (ListedBySysdig(category, flags))
            {
                SysdigEvent sysdig = next < listed.Count ? listed[next++] : throw new FormatException($"sysdig -L ends before event {id} ({name}).");
                if (sysdig.Name != name || sysdig.Enter != (id % 2 == 0) || sysdig.Params.Length != specs.Length)
                {
                    throw new FormatException($"{path}: event {id} ({name}, {specs.Length} parameters) is not sysdig's next event, " +
                        $"{(sysdig.Enter ? '>' : '<')} {sysdig.Name} with {sysdig.Params.Length} parameters.");
                }

                parameters = specs.Select((s, i) => Inputs.ParseParam(s, (TypeName(sysdig.Params[i].Type, knownTypes), sysdig.Params[i].Name))).ToArray();
            }
            else
            {
                parameters = specs.Select(s => Inputs.ParseParam(s)).ToArray();
            }

            rows.Add(new EventRow(id, string.Empty, name, category, flags, parameters));
        }

        if (next != listed.Count)
        {
            throw new FormatException($"{path} has {next} of the {listed.Count} events sysdig -L lists.");
        }

        return rows;
    }

    // sysdig prints libs' type names (PT_ dropped): FLAGS32, CHARBUF_PAIR_ARRAY, DYNAMIC.
    private static string TypeName(string sysdig, HashSet<string> knownTypes)
    {
        if (sysdig == "DYNAMIC")
        {
            return "Dyn";
        }

        string plain = sysdig.Replace("_", string.Empty, StringComparison.Ordinal);
        return knownTypes.FirstOrDefault(t => string.Equals(t, plain, StringComparison.OrdinalIgnoreCase))
            ?? throw new FormatException($"sysdig -L names a parameter type '{sysdig}' the event table does not know.");
    }

    private static string Ids(List<EventRow> current, int sysdigMax, string sources)
    {
        StringBuilder text = CSharp.Begin(sources, "KForensics.Core.Scap.Format");
        text.Append("/// <summary>Every event type id (<c>enum ppm_event_code</c>): PPME_ dropped, the rest PascalCased.</summary>\n");
        text.Append("public static class EventIds\n{\n");
        foreach (EventRow e in current)
        {
            if (e.Identifier.Contains('_', StringComparison.Ordinal))
            {
                // SyscallOpenat_2E (openat's version 2) would read as the openat2 syscall's SyscallOpenat2E without it.
                string version = e.Identifier[(e.Identifier.IndexOf('_', StringComparison.Ordinal) + 1)..^1];
                text.Append($"    /// <summary>PPME_{UpperSnake(e.Identifier)}; the underscore keeps it apart from the {e.Name}{version} syscall.</summary>\n");
            }

            text.Append($"    public const ushort {e.Identifier} = {e.Id};\n");
        }

        text.Append("    /// <summary>PPM_EVENT_MAX of current libs.</summary>\n");
        text.Append($"    public const ushort Max = {current.Count};\n");
        text.Append("    /// <summary>PPM_EVENT_MAX of sysdig 0.29.3 (libs e5c53d64).</summary>\n");
        text.Append($"    public const ushort SysdigMax = {sysdigMax};\n}}\n");
        return text.ToString();
    }

    // SyscallOpenat_2E -> SYSCALL_OPENAT_2_E
    private static string UpperSnake(string identifier)
    {
        var text = new StringBuilder();
        for (int i = 0; i < identifier.Length; i++)
        {
            char c = identifier[i];
            bool wordStart = i > 0 && (char.IsUpper(c) || (char.IsDigit(c) && !char.IsDigit(identifier[i - 1])));
            if (wordStart && text[^1] != '_')
            {
                text.Append('_');
            }

            text.Append(char.ToUpperInvariant(c));
        }

        return text.ToString();
    }

    private static string Events(string method, IEnumerable<EventRow> rows, string sources)
    {
        StringBuilder text = CSharp.Begin(sources, null);
        text.Append(Usings).Append("namespace KForensics.Core.Scap.Format;\n\n");
        text.Append("internal static partial class EventTableData\n{\n");
        text.Append($"    private static void {method}(EventInfo[] t)\n    {{\n");
        foreach (EventRow e in rows)
        {
            text.Append($"        t[{e.Id}] = E({e.Id}, {CSharp.Quote(e.Name)}, C.{e.Category}, {Flags(e.Flags)}");
            foreach (Param p in e.Params)
            {
                text.Append(", ").Append(P(p));
            }

            text.Append(");\n");
        }

        text.Append("    }\n}\n");
        return text.ToString();
    }

    private static string Sysdig(List<EventRow> sysdig, List<EventRow> current, string sources)
    {
        StringBuilder text = CSharp.Begin(sources, null);
        text.Append(Usings).Append("namespace KForensics.Core.Scap.Format;\n\n");
        text.Append("internal static partial class EventTableData\n{\n");
        text.Append("    // Ids whose parameters are unchanged since sysdig 0.29.3 share the current descriptions (first n);\n");
        text.Append("    // the others carry the old names, types and flag tables, which is what that version prints.\n");
        text.Append("    private static void DefineSysdig(EventInfo[] t)\n    {\n");
        foreach (EventRow e in sysdig)
        {
            text.Append($"        O(t[{e.Id}], {CSharp.Quote(e.Name)}, C.{e.Category}, {Flags(e.Flags)}");
            Param[] now = current[e.Id].Params;
            bool shared = e.Params.Length <= now.Length && e.Params.Select((p, i) => p == now[i]).All(x => x);
            if (shared)
            {
                text.Append(", ").Append(e.Params.Length);
            }
            else
            {
                foreach (Param p in e.Params)
                {
                    text.Append(", ").Append(P(p));
                }
            }

            text.Append(");\n");
        }

        text.Append("    }\n}\n");
        return text.ToString();
    }

    private static string Flags(string[] flags) => flags.Length == 0 ? "Fl.None" : string.Join(" | ", flags.Select(f => "Fl." + f));

    private static string P(Param p)
    {
        var text = new StringBuilder($"P({CSharp.Quote(p.Name)}, T.{p.Type}, F.{p.Format}");
        if (p.Table is not null)
        {
            text.Append(", ").Append(p.Table);
        }

        if (p.Dyn is not null)
        {
            text.Append(", dyn: ").Append(p.Dyn);
        }

        if (p.DirFd >= 0)
        {
            text.Append(", dirFd: ").Append(p.DirFd);
        }

        return text.Append(')').ToString();
    }

    private static string FlagTables(Generation g, string sources)
    {
        StringBuilder text = CSharp.Begin(sources, null);
        text.Append(Usings).Append("namespace KForensics.Core.Scap.Format;\n\n");
        text.Append("internal static partial class EventTableData\n{\n");
        var blocks = new List<string>();
        foreach (IGrouping<string, string[]> table in Inputs.ReadTsv(g.Data("flag-tables.tsv")).GroupBy(r => r[0]))
        {
            var block = new StringBuilder($"    internal static readonly FlagName[] {table.Key} =\n    [\n");
            CSharp.AppendWrapped(block, table.Select(r => $"new({CSharp.Quote(r[1])}, {r[2]})"), "        ", 140);
            blocks.Add(block.Append("    ];\n").ToString());
        }

        foreach (IGrouping<string, string[]> table in Inputs.ReadTsv(g.Data("dynamic-params.tsv")).GroupBy(r => r[0]))
        {
            var block = new StringBuilder($"    internal static readonly ParamInfo[] {table.Key} =\n    [\n");
            foreach (string[] r in table)
            {
                block.Append($"        P(\"\", T.{r[1]}, F.{r[2]}),\n");
            }

            blocks.Add(block.Append("    ];\n").ToString());
        }

        text.Append(string.Join("\n", blocks)).Append("}\n");
        return text.ToString();
    }
}
