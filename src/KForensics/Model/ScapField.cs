using KForensics.Core.Filtering;
using KForensics.Core.Scap.Fields;

namespace KForensics;

/// <summary>One field of the filter language, as Get-ScapField lists it.</summary>
public sealed class ScapField
{
    internal ScapField(FieldDefinition definition)
    {
        Name = definition.Name;
        Class = definition.Class.ToString().ToLowerInvariant();
        Type = definition.Type.ToString();
        Argument = definition.Argument switch
        {
            FieldArgument.None => string.Empty,
            FieldArgument.Name => ".NAME or [NAME]",
            FieldArgument.Index => "[N]",
            FieldArgument.NameOrIndex => ".NAME or [N]",
            FieldArgument.OptionalIndex => "optional [N]",
            FieldArgument.OptionalName => "optional [NAME]",
            _ => string.Empty,
        };
        Description = definition.Description;
        Computable = ScapFieldBinder.IsComputable(definition);
        NotComputableReason = Computable ? null : ScapFieldBinder.NotComputableReason(definition);
        InSysdig = definition.InSysdig;
    }

    /// <summary>The field name, e.g. fd.cip.</summary>
    public string Name { get; }

    /// <summary>The field class: evt, proc, thread, fd, fdlist, user, group, container, k8s, syslog, mesos, span or evtin.</summary>
    public string Class { get; }

    /// <summary>The value type (String, Int64, IpAddr ...).</summary>
    public string Type { get; }

    /// <summary>How the field takes an argument, if it does.</summary>
    public string Argument { get; }

    public string Description { get; }

    /// <summary>True when the field has a value (or sysdig's null) computed from a capture file; false when it needs a live system.</summary>
    public bool Computable { get; }

    /// <summary>Why the field cannot be computed from a capture; null when it can.</summary>
    public string? NotComputableReason { get; }

    /// <summary>False for the fields of current libs (Falco rulesets use them) that sysdig 0.29.3 lacks.</summary>
    public bool InSysdig { get; }

    public override string ToString() => Name;
}
