using System.Net;

namespace KForensics.Core.Filtering;

/// <summary>Reads a number field; false when the field has no value for this event.</summary>
public delegate bool NumberGetter<in TContext>(TContext context, out long value);

/// <summary>
/// How a field's value is read from the event and state. Exactly one of the getters is set, by the
/// value kind; a getter returning null (or false) means "no value", which fails every comparison.
/// </summary>
public sealed class FieldAccessor<TContext>
{
    private FieldAccessor(FieldReference field)
    {
        Field = field;
    }

    public FieldReference Field { get; }

    public Func<TContext, string?>? String { get; private init; }

    /// <summary>Multi-valued string fields (proc.aname without index, fdlist.names): any value may match.</summary>
    public Func<TContext, IReadOnlyList<string>?>? Strings { get; private init; }

    public NumberGetter<TContext>? Number { get; private init; }

    /// <summary>Multi-valued number fields (fd.port, proc.apid without index).</summary>
    public Func<TContext, IReadOnlyList<long>?>? Numbers { get; private init; }

    /// <summary>IP fields; several values when the field matches either end (fd.ip, fd.net).</summary>
    public Func<TContext, IReadOnlyList<IPAddress>?>? Addresses { get; private init; }

    public Func<TContext, ReadOnlyMemory<byte>?>? Bytes { get; private init; }

    /// <summary>Validates and normalises a filter value before it is compared (evt.type names, l4proto names).</summary>
    public Func<FilterValue, string>? ValueValidator { get; private init; }

    public static FieldAccessor<TContext> ForString(FieldReference field, Func<TContext, string?> get, Func<FilterValue, string>? validate = null)
        => new(field) { String = get, ValueValidator = validate };

    public static FieldAccessor<TContext> ForStrings(FieldReference field, Func<TContext, IReadOnlyList<string>?> get)
        => new(field) { Strings = get };

    public static FieldAccessor<TContext> ForNumber(FieldReference field, NumberGetter<TContext> get)
        => new(field) { Number = get };

    public static FieldAccessor<TContext> ForNumbers(FieldReference field, Func<TContext, IReadOnlyList<long>?> get)
        => new(field) { Numbers = get };

    /// <summary>
    /// Numbers of either end of a connection (fd.port): '!=' holds only when no end has the value, every other
    /// comparison when one end does.
    /// </summary>
    public static FieldAccessor<TContext> ForEitherEnd(FieldReference field, Func<TContext, IReadOnlyList<long>?> get)
        => new(field) { Numbers = get, NotEqualMeansNone = true };

    /// <summary>For multi-valued numbers: '!=' means no value equals, rather than some value differs.</summary>
    public bool NotEqualMeansNone { get; private init; }

    public static FieldAccessor<TContext> ForAddresses(FieldReference field, Func<TContext, IReadOnlyList<IPAddress>?> get)
        => new(field) { Addresses = get };

    /// <summary>Fields whose type depends on the event (evt.rawarg): numeric values compare as numbers, others as text.</summary>
    public bool IsDynamic { get; private init; }

    public static FieldAccessor<TContext> ForRawArgument(FieldReference field, NumberGetter<TContext> number, Func<TContext, string?> text)
        => new(field) { Number = number, String = text, IsDynamic = true };

    public static FieldAccessor<TContext> ForBytes(FieldReference field, Func<TContext, ReadOnlyMemory<byte>?> get)
        => new(field) { Bytes = get };

    /// <summary>
    /// Fields that are a test rather than a value (evt.around): they take only '=', and the value sets the test
    /// up (it throws <see cref="FilterSyntaxException"/> for a value the test cannot use).
    /// </summary>
    public Func<FilterValue, Func<TContext, bool>>? EqualityTest { get; private init; }

    public static FieldAccessor<TContext> ForEqualityTest(FieldReference field, Func<FilterValue, Func<TContext, bool>> makeTest)
        => new(field) { EqualityTest = makeTest };
}

/// <summary>Maps a field reference to how its value is read; throws <see cref="FilterSyntaxException"/> for fields it cannot serve.</summary>
public interface IFieldBinder<TContext>
{
    FieldAccessor<TContext> Bind(string filter, FieldReference field);
}
