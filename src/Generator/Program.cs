using KForensics.Generator;

// The generator of the engine's tables: build.ps1 -Task Generate runs it on the repository; an xunit test
// (GeneratedTablesTests) runs it into a temporary folder and fails when the checked-in files differ.
//
// What each table is made from:
// - EventIds and EventTableData.Events0/1 (the event table of current libs): Data/events.tsv. sysdig 0.29.3
//   predates that table, so its facts (ids, names, categories, flags, parameter types and print formats)
//   are written down in the repository.
// - EventTableData.Sysdig (the table as sysdig 0.29.3 prints it): the names, parameter names and parameter
//   types of every event sysdig -L lists come from sysdig -L; ids, categories, flags, print formats and flag
//   tables, which sysdig -L does not show, and the events it leaves out (unused, old versions, internal)
//   come from Data/events-sysdig-0.29.3.tsv, whose rows are checked against sysdig's list.
// - EventTableData.Flags: Data/flag-tables.tsv and Data/dynamic-params.tsv (no sysdig option lists them).
// - SysdigSyscallNames/SysdigSyscallCategories.Data and SysdigNames.Data: Data/syscalls-, errno- and
//   signals-sysdig-0.29.3.tsv (sysdig prints these names but lists none of them).
// - FieldCatalog.Data: sysdig -lv (every field's name, class, type and description) and
//   Data/field-arguments.tsv (which fields take an argument, and how: sysdig -lv does not say).
// The data files hold facts of falcosecurity/libs' public tables, written by this project; no libs source
// is read or copied. The tables describe sysdig 0.29.3, so the generator refuses another sysdig version.
//
// Usage: KForensics.Generator [--root DIR] [--output DIR] [--sysdig PATH]
// Writes the tables of the repository at --root (default: the current directory) into --output (default:
// the root itself, at the same relative paths) with the sysdig at --sysdig (default: sysdig on the PATH).
string root = ".", sysdig = "sysdig";
string? output = null;
for (int i = 0; i < args.Length; i++)
{
    string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--root": root = value; break;
        case "--output": output = value; break;
        case "--sysdig": sysdig = value; break;
        default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
    }

    i++;
}

foreach (string path in Generation.Run(root, output ?? root, sysdig))
{
    Console.WriteLine($"Generated {path}");
}
