namespace KForensics.Core.Filtering;

/// <summary>The classes of fields, as <c>sysdig -l</c> groups them (thread.* apart from proc.*).</summary>
public enum FieldClass
{
    Evt, Proc, Thread, User, Group, Container, Fd, Fdlist, K8s, Syslog, Mesos, Span, Evtin,
}

/// <summary>The value type of a field; decides how filter values are parsed and compared.</summary>
public enum FieldType
{
    String, Bytes, Bool, Int16, Int32, Int64, UInt32, UInt64, Port, Double, RelTime, AbsTime, IpAddr, IpNet, Dynamic,
}

/// <summary>Whether and how a field takes an argument (<c>evt.arg.NAME</c>, <c>evt.arg[N]</c>, <c>proc.aname[N]</c>).</summary>
public enum FieldArgument
{
    None,
    /// <summary>Required: <c>.NAME</c> or <c>[NAME]</c>.</summary>
    Name,
    /// <summary>Required: <c>[N]</c>.</summary>
    Index,
    /// <summary>Required: <c>.NAME</c>, <c>[NAME]</c> or <c>[N]</c>.</summary>
    NameOrIndex,
    /// <summary>Optional <c>[N]</c>; without it the field matches any of its values (e.g. any ancestor).</summary>
    OptionalIndex,
    /// <summary>Optional <c>[NAME]</c>.</summary>
    OptionalName,
}

/// <summary>One field of the filter language.</summary>
public sealed class FieldDefinition
{
    internal FieldDefinition(string name, FieldClass fieldClass, FieldType type, FieldArgument argument, string description, bool inSysdig = true)
    {
        InSysdig = inSysdig;
        Name = name;
        Class = fieldClass;
        Type = type;
        Argument = argument;
        Description = description;
    }

    public string Name { get; }

    public FieldClass Class { get; }

    public FieldType Type { get; }

    public FieldArgument Argument { get; }

    public string Description { get; }

    /// <summary>False for fields of current libs (Falco rulesets use them) that sysdig 0.29.3 lacks.</summary>
    public bool InSysdig { get; }

    /// <summary>sysdig accepts the field only in filters, not as a value to print (<c>fd.ip</c>, <c>evt.around</c>).</summary>
    public bool IsFilterOnly => Description.StartsWith("(FILTER ONLY)", StringComparison.Ordinal);

    /// <summary>True for numeric types that compare as numbers.</summary>
    public bool IsNumeric => Type is FieldType.Int16 or FieldType.Int32 or FieldType.Int64 or FieldType.UInt32
        or FieldType.UInt64 or FieldType.Port or FieldType.Double or FieldType.RelTime or FieldType.AbsTime;

    public override string ToString() => Name;
}
