namespace KForensics.Core.Filtering;

/// <summary>Comparison operators of the filter language.</summary>
public enum FilterOperator
{
    Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual,
    Contains, IContains, BContains, StartsWith, BStartsWith, EndsWith, Glob, IGlob,
    In, Intersects, PMatch, Exists,
}

/// <summary>A parsed filter: a tree of and/or/not over field checks.</summary>
public abstract record FilterNode(int Position);

public sealed record AndNode(FilterNode Left, FilterNode Right, int Position) : FilterNode(Position);

public sealed record OrNode(FilterNode Left, FilterNode Right, int Position) : FilterNode(Position);

public sealed record NotNode(FilterNode Operand, int Position) : FilterNode(Position);

/// <summary>A bare name standing where a check would (Falco's macros); only parsed when macros are allowed.</summary>
public sealed record MacroNode(string Name, int Position) : FilterNode(Position);

/// <summary>A field reference: the definition and its argument (<c>evt.arg.fd</c> → "fd"), if any.</summary>
public sealed record FieldReference(FieldDefinition Field, string? Argument, int? Index, int Position)
{
    /// <summary>The field as written in the filter (<c>evt.arg.fd</c> or <c>evt.arg[0]</c>), when parsed from text.</summary>
    public string? Text { get; init; }

    public override string ToString() => Argument is null && Index is null
        ? Field.Name
        : Index is int i ? $"{Field.Name}[{i}]" : $"{Field.Name}[{Argument}]";
}

/// <summary>A filter value with where it stood in the filter text (for value errors).</summary>
public sealed record FilterValue(string Text, int Position);

public sealed record CheckNode(FieldReference Field, FilterOperator Operator, IReadOnlyList<FilterValue> Values, int Position, int OperatorPosition) : FilterNode(Position);
