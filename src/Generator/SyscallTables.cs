using System.Globalization;
using System.Text;

namespace KForensics.Generator;

/// <summary>
/// The tables of sysdig 0.29.3 that no sysdig option lists: syscall names and categories by id, and the
/// errno and signal names it prints, from the data files of the same names.
/// </summary>
internal static class SyscallTables
{
    // The short names the category table is written with.
    private static readonly (string Short, string Category)[] Abbreviations =
    [
        ("O", "Other"), ("F", "File"), ("N", "Net"), ("I", "Ipc"), ("M", "Memory"), ("P", "Process"), ("Sl", "Sleep"),
        ("Sy", "System"), ("Sg", "Signal"), ("U", "User"), ("T", "Time"), ("R", "IoRead"), ("W", "IoWrite"), ("IO", "IoOther"),
        ("Wt", "Wait"),
    ];

    public static void Generate(Generation g)
    {
        const string syscallSource = "src/Generator/Data/syscalls-sysdig-0.29.3.tsv";
        List<string[]> syscalls = Inputs.ReadTsv(g.Data("syscalls-sysdig-0.29.3.tsv"));
        for (int i = 0; i < syscalls.Count; i++)
        {
            if (int.Parse(syscalls[i][0], CultureInfo.InvariantCulture) != i)
            {
                throw new FormatException($"syscalls-sysdig-0.29.3.tsv: row {i} has id {syscalls[i][0]} (every id in order).");
            }
        }

        StringBuilder names = CSharp.Begin(syscallSource, "KForensics.Core.Scap.Format");
        names.Append("public static partial class SysdigSyscallNames\n{\n    private static readonly string[] Names =\n    [\n");
        CSharp.AppendWrapped(names, syscalls.Select(r => CSharp.Quote(r[1])), "        ", 120);
        names.Append("    ];\n}\n");
        g.Write(Paths.SyscallNames, names.ToString());

        var shortName = Abbreviations.ToDictionary(a => a.Category, a => a.Short, StringComparer.Ordinal);
        StringBuilder categories = CSharp.Begin(syscallSource, "KForensics.Core.Scap.Format");
        categories.Append("internal static partial class SysdigSyscallCategories\n{\n");
        var constants = new StringBuilder("    private const EventCategory ");
        constants.Append(string.Join(", ", Abbreviations.Select(a => $"{a.Short} = EventCategory.{a.Category}")));
        categories.Append(constants).Append(";\n\n");
        categories.Append("    private static readonly EventCategory[] Categories =\n    [\n");
        CSharp.AppendWrapped(categories, syscalls.Select(r => shortName.TryGetValue(r[2], out string? s) ? s
            : throw new FormatException($"syscalls-sysdig-0.29.3.tsv: unknown category '{r[2]}'.")), "        ", 120);
        categories.Append("    ];\n}\n");
        g.Write(Paths.SyscallCategories, categories.ToString());

        List<string[]> errnos = Inputs.ReadTsv(g.Data("errno-sysdig-0.29.3.tsv"))
            .OrderBy(r => int.Parse(r[0], CultureInfo.InvariantCulture)).ToList();
        List<string[]> signals = Inputs.ReadTsv(g.Data("signals-sysdig-0.29.3.tsv"));
        string?[] signalNames = new string?[signals.Max(r => int.Parse(r[0], CultureInfo.InvariantCulture)) + 1];
        foreach (string[] r in signals)
        {
            signalNames[int.Parse(r[0], CultureInfo.InvariantCulture)] = r[1];
        }

        StringBuilder text = CSharp.Begin("src/Generator/Data/errno-sysdig-0.29.3.tsv and signals-sysdig-0.29.3.tsv", "KForensics.Core.Scap.Format");
        text.Append("internal static partial class SysdigNames\n{\n");
        text.Append("    // Sorted by number; looked up by binary search.\n    private static readonly int[] ErrnoNumbers =\n    [\n");
        foreach (string[][] chunk in errnos.Chunk(16))
        {
            text.Append("        ").Append(string.Join(" ", chunk.Select(r => r[0] + ","))).Append('\n');
        }

        text.Append("    ];\n\n    private static readonly string[] ErrnoNames =\n    [\n");
        CSharp.AppendWrapped(text, errnos.Select(r => CSharp.Quote(r[1])), "        ", 120);
        text.Append("    ];\n\n    // Index = signal number; 0 has no name.\n    private static readonly string?[] SignalNames =\n    [\n");
        CSharp.AppendWrapped(text, signalNames.Select(s => s is null ? "null" : CSharp.Quote(s)), "        ", 120);
        text.Append("    ];\n}\n");
        g.Write(Paths.SysdigNames, text.ToString());
    }
}
