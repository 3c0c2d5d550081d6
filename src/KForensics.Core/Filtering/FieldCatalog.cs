using System.Globalization;

namespace KForensics.Core.Filtering;

/// <summary>
/// Every field of the filter language: sysdig 0.29.3's list for the classes that a capture can
/// answer (evt, proc, thread, user, group, container, fd, fdlist, k8s) plus the container label
/// fields of current libs.
/// </summary>
public static partial class FieldCatalog
{
    private static readonly FieldDefinition[] Additional =
    [
        new("container.label", FieldClass.Container, FieldType.String, FieldArgument.Name,
            "the value of a label of the container, e.g. container.label.app or container.label[com.example/tier]."),
        new("container.labels", FieldClass.Container, FieldType.String, FieldArgument.None,
            "the container's labels as a comma-separated list of key:value pairs."),
    ];

    private static readonly Dictionary<string, FieldDefinition> ByName;

    // Field initialisers of both partial files have run by now, whatever their order.
    static FieldCatalog()
    {
        All = Definitions.Concat(Additional).ToArray();
        ByName = new Dictionary<string, FieldDefinition>(StringComparer.Ordinal);
        foreach (FieldDefinition f in All)
        {
            ByName.TryAdd(f.Name, f);
        }
    }

    /// <summary>All fields, in sysdig's order.</summary>
    public static IReadOnlyList<FieldDefinition> All { get; }

    /// <summary>Looks a field up by its exact name (without argument).</summary>
    public static bool TryGet(string name, out FieldDefinition field)
    {
        if (ByName.TryGetValue(name, out FieldDefinition? found))
        {
            field = found;
            return true;
        }

        field = null!;
        return false;
    }

    /// <summary>The closest known field names to <paramref name="name"/> (for error messages and completion).</summary>
    public static IReadOnlyList<string> Suggest(string name, int count = 3)
    {
        return All
            .Select(f => (f.Name, Distance: Distance(name, f.Name)))
            .Where(x => x.Distance <= Math.Max(3, name.Length / 3) || x.Name.StartsWith(name, StringComparison.Ordinal))
            .OrderBy(x => x.Distance)
            .ThenBy(x => x.Name, StringComparer.Ordinal)
            .Take(count)
            .Select(x => x.Name)
            .ToArray();
    }

    /// <summary>
    /// Resolves a field token (<paramref name="name"/>, plus the text inside <c>[...]</c> if any) to a
    /// definition and argument. Dotted arguments (<c>evt.arg.fd</c>, <c>k8s.pod.label.app</c>) bind to the
    /// longest known field that takes a name.
    /// </summary>
    internal static FieldReference Resolve(string filter, string name, string? bracket, int position)
    {
        if (bracket is not null)
        {
            if (!ByName.TryGetValue(name, out FieldDefinition? baseField))
            {
                throw Unknown(filter, name, position);
            }

            if (baseField.Argument == FieldArgument.None)
            {
                throw new FilterSyntaxException(filter, position + name.Length, $"The field '{name}' takes no argument.");
            }

            bool isIndex = int.TryParse(bracket, NumberStyles.None, CultureInfo.InvariantCulture, out int index);
            if (baseField.Argument is FieldArgument.Name or FieldArgument.OptionalName)
            {
                return new FieldReference(baseField, bracket, null, position);
            }

            if (!isIndex && baseField.Argument is FieldArgument.Index or FieldArgument.OptionalIndex)
            {
                throw new FilterSyntaxException(filter, position + name.Length + 1, $"The field '{name}' needs a number in brackets.");
            }

            if (bracket.Length == 0)
            {
                throw new FilterSyntaxException(filter, position + name.Length + 1, $"The field '{name}' needs an argument in brackets.");
            }

            return isIndex ? new FieldReference(baseField, null, index, position) : new FieldReference(baseField, bracket, null, position);
        }

        if (ByName.TryGetValue(name, out FieldDefinition? exact))
        {
            if (exact.Argument is FieldArgument.Name or FieldArgument.Index or FieldArgument.NameOrIndex)
            {
                throw new FilterSyntaxException(filter, position + name.Length, $"The field '{name}' needs an argument, e.g. {Example(exact)}.");
            }

            return new FieldReference(exact, null, null, position);
        }

        // evt.arg.fd, k8s.pod.label.app, evt.type.is.open: the longest known prefix that takes a name.
        for (int dot = name.LastIndexOf('.'); dot > 0; dot = name.LastIndexOf('.', dot - 1))
        {
            if (ByName.TryGetValue(name[..dot], out FieldDefinition? prefix)
                && prefix.Argument is FieldArgument.Name or FieldArgument.NameOrIndex or FieldArgument.OptionalName
                && dot + 1 < name.Length)
            {
                return new FieldReference(prefix, name[(dot + 1)..], null, position);
            }
        }

        throw Unknown(filter, name, position);
    }

    private static string Example(FieldDefinition field) => field.Argument switch
    {
        FieldArgument.Index => $"{field.Name}[0]",
        _ => $"{field.Name}.NAME or {field.Name}[NAME]",
    };

    private static FilterSyntaxException Unknown(string filter, string name, int position)
        => new(filter, position, $"Unknown field '{name}'.", Suggest(name)) { UnknownField = name };

    // Levenshtein distance, small strings only.
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
