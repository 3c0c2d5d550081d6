namespace KForensics.Generator;

/// <summary>Where the generated files go, relative to the repository root.</summary>
public static class Paths
{
    public const string EventIds = "src/KForensics.Core/Scap/Format/EventIds.cs";
    public const string EventsFirst = "src/KForensics.Core/Scap/Format/EventTableData.Events0.cs";
    public const string EventsSecond = "src/KForensics.Core/Scap/Format/EventTableData.Events1.cs";
    public const string EventsSysdig = "src/KForensics.Core/Scap/Format/EventTableData.Sysdig.cs";
    public const string EventFlags = "src/KForensics.Core/Scap/Format/EventTableData.Flags.cs";
    public const string SyscallNames = "src/KForensics.Core/Scap/Format/SysdigSyscallNames.Data.cs";
    public const string SyscallCategories = "src/KForensics.Core/Scap/Format/SysdigSyscallCategories.Data.cs";
    public const string SysdigNames = "src/KForensics.Core/Scap/Format/SysdigNames.Data.cs";
    public const string FieldCatalog = "src/KForensics.Core/Filtering/FieldCatalog.Data.cs";

    /// <summary>Every file the generator writes.</summary>
    public static IReadOnlyList<string> All { get; } =
        [EventIds, EventsFirst, EventsSecond, EventsSysdig, EventFlags, SyscallNames, SyscallCategories, SysdigNames, FieldCatalog];
}

/// <summary>One run of the generator: reads the data files of a repository and sysdig, writes into a folder.</summary>
public sealed class Generation
{
    /// <summary>The sysdig version whose view the sysdig tables and the field catalogue describe.</summary>
    public const string SysdigVersion = "0.29.3";

    private readonly string _root;
    private readonly string _output;

    private Generation(string root, string output)
    {
        _root = root;
        _output = output;
    }

    /// <summary>
    /// Generates every table of the repository at <paramref name="root"/> into <paramref name="output"/>
    /// (the same relative paths; the root itself to update the checked-in files), with the sysdig at
    /// <paramref name="sysdig"/>. Returns the paths written, relative to <paramref name="output"/>.
    /// </summary>
    public static IReadOnlyList<string> Run(string root, string output, string sysdig)
    {
        string version = Inputs.RunSysdig(sysdig, "--version").Trim();
        if (version != "sysdig version " + SysdigVersion)
        {
            throw new InvalidOperationException($"{sysdig} is '{version}'; the tables describe sysdig {SysdigVersion}.");
        }

        var g = new Generation(Path.GetFullPath(root), Path.GetFullPath(output));
        EventTables.Generate(g, Inputs.RunSysdig(sysdig, "-L"));
        SyscallTables.Generate(g);
        FieldCatalog.Generate(g, Inputs.RunSysdig(sysdig, "-lv"));
        return Paths.All;
    }

    internal string Data(string name) => Path.Combine(_root, "src", "Generator", "Data", name);

    internal void Write(string relativePath, string content)
    {
        string path = Path.Combine(_output, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content, new System.Text.UTF8Encoding(false));
    }
}
