using System.Globalization;

namespace KForensics.Core.Filtering;

/// <summary>
/// Every field of the filter language: sysdig 0.29.3's list (generated into FieldCatalog.Data.cs by
/// src/Generator from sysdig -lv), every class of it, plus the fields of current libs that Falco
/// rulesets use (<see cref="FieldDefinition.InSysdig"/> false).
/// </summary>
public static partial class FieldCatalog
{
    private static readonly FieldDefinition[] Additional =
    [
        new("container.label", FieldClass.Container, FieldType.String, FieldArgument.Name,
            "the value of a label of the container, e.g. container.label.app or container.label[com.example/tier].", inSysdig: false),
        new("container.labels", FieldClass.Container, FieldType.String, FieldArgument.None,
            "the container's labels as a comma-separated list of key:value pairs.", inSysdig: false),
        new("container.start_ts", FieldClass.Container, FieldType.AbsTime, FieldArgument.None,
            "container start as epoch timestamp in nanoseconds: the start of the pid namespace of the container's process, as the newest clone events state it.", inSysdig: false),
        new("container.duration", FieldClass.Container, FieldType.RelTime, FieldArgument.None,
            "number of nanoseconds since container.start_ts.", inSysdig: false),
        new("fd.nameraw", FieldClass.Fd, FieldType.String, FieldArgument.None,
            "the path of a file fd as the open call gave it, not made absolute (duplicate slashes removed).", inSysdig: false),
        new("proc.pexe", FieldClass.Proc, FieldType.String, FieldArgument.None,
            "the proc.exe (first command line argument) of the parent process.", inSysdig: false),
        new("proc.aexe", FieldClass.Proc, FieldType.String, FieldArgument.OptionalIndex,
            "the proc.exe of one of the process ancestors: proc.aexe[1] is the parent's, proc.aexe[0] the process's own. Without an index (filters only) it matches any ancestor.", inSysdig: false),
        new("proc.pexepath", FieldClass.Proc, FieldType.String, FieldArgument.None,
            "the proc.exepath (full executable path) of the parent process.", inSysdig: false),
        new("proc.aexepath", FieldClass.Proc, FieldType.String, FieldArgument.OptionalIndex,
            "the proc.exepath of one of the process ancestors: proc.aexepath[1] is the parent's, proc.aexepath[0] the process's own. Without an index (filters only) it matches any ancestor.", inSysdig: false),
        new("proc.exe_ino", FieldClass.Proc, FieldType.Int64, FieldArgument.None,
            "the inode number of the executable file on disk, from execve events that carry it.", inSysdig: false),
        new("proc.exe_ino.ctime", FieldClass.Proc, FieldType.AbsTime, FieldArgument.None,
            "last status change time (ctime) of the executable file, as epoch timestamp in nanoseconds.", inSysdig: false),
        new("proc.exe_ino.mtime", FieldClass.Proc, FieldType.AbsTime, FieldArgument.None,
            "last modification time (mtime) of the executable file, as epoch timestamp in nanoseconds.", inSysdig: false),
        new("proc.exe_ino.ctime_duration_proc_start", FieldClass.Proc, FieldType.AbsTime, FieldArgument.None,
            "nanoseconds between the executable's ctime and the start (clone) of the process that runs it.", inSysdig: false),
        new("proc.is_exe_upper_layer", FieldClass.Proc, FieldType.Bool, FieldArgument.None,
            "'true' if the process' executable file is in the upper layer of an overlayfs (e.g. written into a container).", inSysdig: false),
        new("proc.is_exe_from_memfd", FieldClass.Proc, FieldType.Bool, FieldArgument.None,
            "'true' if the process' executable is an anonymous memfd_create() file executed through its fd.", inSysdig: false),
        new("thread.cap_permitted", FieldClass.Thread, FieldType.String, FieldArgument.None,
            "the permitted capabilities set, e.g. CAP_CHOWN CAP_KILL.", inSysdig: false),
        new("thread.cap_inheritable", FieldClass.Thread, FieldType.String, FieldArgument.None,
            "the inheritable capabilities set.", inSysdig: false),
        new("thread.cap_effective", FieldClass.Thread, FieldType.String, FieldArgument.None,
            "the effective capabilities set.", inSysdig: false),
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
        int[] previous = new int[b.Length + 1];
        int[] current = new int[b.Length + 1];
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
