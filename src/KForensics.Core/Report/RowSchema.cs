using System.Collections.Concurrent;
using System.Reflection;

namespace KForensics.Core.Report;

/// <summary>
/// The columns of a row type: its public instance properties in declaration order. Built once per type,
/// so a view added later shows up in the report with its own columns and no report code of its own.
/// </summary>
internal sealed class RowSchema
{
    private static readonly ConcurrentDictionary<Type, RowSchema> Cache = new();

    // Numbers that name something (pids, ports, ids) are read digit by digit, not as amounts.
    private static readonly string[] IdentifierSuffixes = ["Id", "Pid", "Tid", "Uid", "Gid", "Port", "Number"];

    private RowSchema(Type type)
    {
        Columns = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true })
            .OrderBy(p => DeclarationDepth(type, p.DeclaringType)).ThenBy(p => p.MetadataToken)
            .Select(p => new RowColumn(p.Name, p, IdentifierSuffixes.Any(s => p.Name.EndsWith(s, StringComparison.Ordinal))))
            .ToArray();
    }

    public IReadOnlyList<RowColumn> Columns { get; }

    public static RowSchema For(Type type) => Cache.GetOrAdd(type, t => new RowSchema(t));

    /// <summary>The formatted cells of <paramref name="row"/>, one per column.</summary>
    public ReportCell[] Cells(object row)
    {
        var cells = new ReportCell[Columns.Count];
        for (int i = 0; i < cells.Length; i++)
        {
            cells[i] = Columns[i].Cell(row);
        }

        return cells;
    }

    // Base-class properties first, as PowerShell lists them.
    private static int DeclarationDepth(Type type, Type? declaring)
    {
        int depth = 0;
        for (Type? t = type; t is not null && t != declaring; t = t.BaseType)
        {
            depth++;
        }

        return -depth;
    }
}

/// <summary>One column: the property it reads and how its values are formatted.</summary>
internal sealed class RowColumn
{
    private readonly PropertyInfo _property;

    public RowColumn(string name, PropertyInfo property, bool identifier)
    {
        Name = name;
        _property = property;
        Identifier = identifier;
    }

    public string Name { get; }

    /// <summary>Numbers shown without thousands separators (pids, ports, ids).</summary>
    public bool Identifier { get; }

    public ReportCell Cell(object row)
    {
        object? value;
        try
        {
            value = _property.GetValue(row);
        }
        catch (TargetInvocationException ex)
        {
            // A getter that throws must not cost the whole report; the cell says what happened.
            return new ReportCell($"({ex.InnerException?.GetType().Name ?? ex.GetType().Name})", null, false);
        }

        return ReportCell.From(value, Identifier);
    }
}
