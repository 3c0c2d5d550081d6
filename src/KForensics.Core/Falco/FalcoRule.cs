using KForensics.Core.Filtering;

namespace KForensics.Core.Falco;

/// <summary>A loaded Falco rule: as written (appends applied) and as Falco compiles it.</summary>
public sealed class FalcoRule
{
    internal FalcoRule(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public string? Description { get; internal set; }

    /// <summary>The condition as the rules files write it, appends and exceptions included.</summary>
    public string Condition { get; internal set; } = string.Empty;

    /// <summary>The condition after lists and macros were substituted, bracketed so that any sysdig reads it alike.</summary>
    public string ExpandedCondition { get; internal set; } = string.Empty;

    /// <summary>The output format, <c>%container.info</c> not yet expanded.</summary>
    public string Output { get; internal set; } = string.Empty;

    public FalcoPriority Priority { get; internal set; }

    public IReadOnlyList<string> Tags { get; internal set; } = [];

    /// <summary>syscall for every rule evaluated over captures.</summary>
    public string Source { get; internal set; } = FalcoRuleSet.SyscallSource;

    /// <summary>As the rules files leave it (<c>enabled: false</c> turns a rule off).</summary>
    public bool Enabled { get; internal set; } = true;

    /// <summary>
    /// The event types current Falco indexes the rule on (names, sorted; <c>syscall</c> for the generic
    /// events of system calls without an event of their own); empty when the rule is evaluated on every
    /// event (<see cref="AllEventTypes"/>).
    /// </summary>
    public IReadOnlyList<string> EventTypes { get; internal set; } = [];

    /// <summary>The condition does not restrict evt.type: current Falco evaluates it on every event.</summary>
    public bool AllEventTypes { get; internal set; }

    public IReadOnlyList<string> Exceptions { get; internal set; } = [];

    public bool SkipIfUnknownFilter { get; internal set; }

    public bool WarnEventTypes { get; internal set; } = true;

    /// <summary>The file of the rule's first definition.</summary>
    public string? File { get; internal set; }

    public int Line { get; internal set; }

    /// <summary>Position in Falco's candidate order (first definition's load order).</summary>
    internal int Order { get; set; }

    /// <summary>The expanded condition's tree, from which the evaluator compiles the rule.</summary>
    internal FilterNode Expanded { get; set; } = null!;

    /// <summary>Event codes current Falco indexes the rule on (null: every event).</summary>
    internal HashSet<int>? CurrentCodes { get; set; }

    /// <summary>Event codes Falco 0.31.1 indexes the rule on (empty set: every event, as 0.31.1 does for it).</summary>
    internal HashSet<int> Legacy031Codes { get; set; } = [];

    public override string ToString() => Name;
}

/// <summary>A Falco list: its items after earlier lists were substituted into it.</summary>
public sealed class FalcoList
{
    internal FalcoList(string name, IReadOnlyList<string> items, string? file, int line, bool used)
    {
        Name = name;
        Items = items;
        File = file;
        Line = line;
        Used = used;
    }

    public string Name { get; }

    public IReadOnlyList<string> Items { get; }

    public string? File { get; }

    public int Line { get; }

    /// <summary>Some macro, rule or list refers to it.</summary>
    public bool Used { get; }

    public override string ToString() => Name;
}

/// <summary>A Falco macro: its condition as written and after lists and the macros it uses were substituted.</summary>
public sealed class FalcoMacro
{
    internal FalcoMacro(string name, string condition, string? expanded, string? file, int line, bool used)
    {
        Name = name;
        Condition = condition;
        ExpandedCondition = expanded;
        File = file;
        Line = line;
        Used = used;
    }

    public string Name { get; }

    public string Condition { get; }

    /// <summary>Null when the macro does not compile.</summary>
    public string? ExpandedCondition { get; }

    public string? File { get; }

    public int Line { get; }

    public bool Used { get; }

    public override string ToString() => Name;
}
