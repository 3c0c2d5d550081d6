using KForensics.Core.Filtering;

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
    }

    /// <summary>The field name, e.g. fd.cip.</summary>
    public string Name { get; }

    /// <summary>The field class: evt, proc, thread, fd, fdlist, user, group, container or k8s.</summary>
    public string Class { get; }

    /// <summary>The value type (String, Int64, IpAddr ...).</summary>
    public string Type { get; }

    /// <summary>How the field takes an argument, if it does.</summary>
    public string Argument { get; }

    public string Description { get; }

    public override string ToString() => Name;
}
