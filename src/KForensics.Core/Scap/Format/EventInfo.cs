namespace KForensics.Core.Scap.Format;

/// <summary>One name of a flag or enum table (<c>struct ppm_name_value</c>).</summary>
public readonly record struct FlagName(string Name, ulong Value);

/// <summary>Description of one event parameter (<c>struct ppm_param_info</c>).</summary>
public sealed class ParamInfo
{
    internal ParamInfo(string name, ParamType type, PrintFormat format, FlagName[]? flagNames, int dirFdIndex, ParamInfo[]? dynamicTypes)
    {
        Name = name;
        Type = type;
        Format = format;
        FlagNames = flagNames ?? [];
        DirFdIndex = dirFdIndex;
        DynamicTypes = dynamicTypes ?? [];
    }

    public string Name { get; }

    public ParamType Type { get; }

    public PrintFormat Format { get; }

    /// <summary>Names for Flags*/EnumFlags*/Mode parameters, in table order (the order sysdig prints them); empty otherwise.</summary>
    public IReadOnlyList<FlagName> FlagNames { get; }

    /// <summary>For <see cref="ParamType.FsRelPath"/>: index of the dirfd parameter; -1 otherwise.</summary>
    public int DirFdIndex { get; }

    /// <summary>For <see cref="ParamType.Dyn"/>: the alternative types selected by the leading index byte.</summary>
    public IReadOnlyList<ParamInfo> DynamicTypes { get; }

    public override string ToString() => $"{Type} {Name}";
}

/// <summary>
/// One event type of the table. The main view is current falcosecurity/libs; the Sysdig* members
/// describe the same id as sysdig 0.29.3 (libs e5c53d64) knew it, because that is what its
/// <c>%evt.info</c> prints and what it hides.
/// </summary>
public sealed class EventInfo
{
    private static readonly ParamInfo[] NoParams = [];

    internal EventInfo(ushort id, string name, EventCategory category, EventFlags flags, ParamInfo[] parameters)
    {
        Id = id;
        Name = name;
        Category = category;
        Flags = flags;
        Params = parameters;
        ParamCount = parameters.Length;
        SysdigName = name;
        SysdigParamCount = -1;
        SysdigParams = NoParams;
    }

    public ushort Id { get; }

    /// <summary>evt.type, e.g. "openat" (all versions of a syscall share it).</summary>
    public string Name { get; }

    public EventCategory Category { get; }

    public EventFlags Flags { get; }

    public IReadOnlyList<ParamInfo> Params { get; }

    /// <summary>How many parameters this table defines (<see cref="Params"/>' count, without an interface call).</summary>
    public int ParamCount { get; }

    public bool IsEnter => (Id & 1) == 0;

    public char Direction => IsEnter ? '>' : '<';

    /// <summary>Parameter count in sysdig 0.29.3's table; -1 when that table lacks the id.</summary>
    public int SysdigParamCount { get; private set; }

    /// <summary>Category in sysdig 0.29.3's table (Internal events are hidden without -D); Unknown when it lacks the id.</summary>
    public EventCategory SysdigCategory { get; private set; }

    /// <summary>Flags in sysdig 0.29.3's table.</summary>
    public EventFlags SysdigFlags { get; private set; }

    /// <summary>Name in sysdig 0.29.3's table (a few placeholder slots were renamed since); <see cref="Name"/> when it lacks the id.</summary>
    public string SysdigName { get; private set; }

    /// <summary>Parameters as sysdig 0.29.3 describes them (names, types, flag tables of that version); empty when it lacks the id.</summary>
    public IReadOnlyList<ParamInfo> SysdigParams { get; private set; }

    /// <summary>True when sysdig 0.29.3 knows this id.</summary>
    public bool IsSysdigKnown => SysdigParamCount >= 0;

    internal void SetSysdig(string name, EventCategory category, EventFlags flags, ParamInfo[] parameters)
    {
        SysdigName = name;
        SysdigCategory = category;
        SysdigFlags = flags;
        SysdigParams = parameters;
        SysdigParamCount = parameters.Length;
    }

    public override string ToString() => $"{Direction} {Name} ({Id})";
}
