using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace KForensics.Core.Scap;

/// <summary>
/// An event's arguments, in the order the event table gives them, and by name: <c>$e.Arguments.fd</c> and
/// <c>$e.Arguments['name']</c> in PowerShell (which looks names up through <see cref="IDictionary"/>), a JSON
/// object in ConvertTo-Json. Read-only; where an event names an argument twice, the name finds the first.
/// </summary>
public sealed class ScapEventArguments : IReadOnlyList<KeyValuePair<string, object?>>, IReadOnlyDictionary<string, object?>, IDictionary
{
    private readonly IReadOnlyList<KeyValuePair<string, object?>> _items;
    private readonly Dictionary<string, object?> _byName;

    internal ScapEventArguments(IReadOnlyList<KeyValuePair<string, object?>> items)
    {
        _items = items;
        _byName = new Dictionary<string, object?>(items.Count, StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> item in items)
        {
            _byName.TryAdd(item.Key, item.Value);
        }
    }

    public int Count => _items.Count;

    public KeyValuePair<string, object?> this[int index] => _items[index];

    public object? this[string key] => _byName[key];

    public IEnumerable<string> Keys => _items.Select(i => i.Key);

    public IEnumerable<object?> Values => _items.Select(i => i.Value);

    public bool ContainsKey(string key) => _byName.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value) => _byName.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>sysdig's way of listing them: <c>fd=3 name=/etc/passwd</c>.</summary>
    public override string ToString()
        => string.Join(' ', _items.Select(i => i.Key + "=" + Convert.ToString(i.Value, CultureInfo.InvariantCulture)));

    // The non-generic dictionary is what PowerShell's member access and ConvertTo-Json use; it never changes.
    bool IDictionary.IsFixedSize => true;

    bool IDictionary.IsReadOnly => true;

    ICollection IDictionary.Keys => _items.Select(i => i.Key).Distinct(StringComparer.Ordinal).ToArray();

    ICollection IDictionary.Values => _byName.Keys.Select(k => _byName[k]).ToArray();

    bool ICollection.IsSynchronized => false;

    object ICollection.SyncRoot => this;

    object? IDictionary.this[object key]
    {
        get => key is string name && _byName.TryGetValue(name, out object? value) ? value : null;
        set => throw new NotSupportedException("An event's arguments are read-only.");
    }

    void IDictionary.Add(object key, object? value) => throw new NotSupportedException("An event's arguments are read-only.");

    void IDictionary.Clear() => throw new NotSupportedException("An event's arguments are read-only.");

    bool IDictionary.Contains(object key) => key is string name && _byName.ContainsKey(name);

    IDictionaryEnumerator IDictionary.GetEnumerator() => ((IDictionary)_byName).GetEnumerator();

    void IDictionary.Remove(object key) => throw new NotSupportedException("An event's arguments are read-only.");

    void ICollection.CopyTo(Array array, int index) => ((ICollection)_byName).CopyTo(array, index);
}
