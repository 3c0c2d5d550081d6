using System.Diagnostics.CodeAnalysis;

namespace KForensics.Core.Scap.Format;

/// <summary>The event table of current falcosecurity/libs, with sysdig 0.29.3's view of each id.</summary>
public static class EventTable
{
    private static readonly EventInfo[] Events = EventTableData.Build();
    private static readonly Dictionary<string, EventInfo[]> Names = Events
        .GroupBy(e => e.Name, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);

    /// <summary>PPM_EVENT_MAX of current libs.</summary>
    public static int Count => Events.Length;

    public static IReadOnlyList<EventInfo> All => Events;

    /// <exception cref="ArgumentOutOfRangeException">The id is not in the table.</exception>
    public static EventInfo Get(int id)
    {
        if ((uint)id >= (uint)Events.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, "Unknown event type.");
        }

        return Events[id];
    }

    public static bool TryGet(int id, [NotNullWhen(true)] out EventInfo? info)
    {
        if ((uint)id >= (uint)Events.Length)
        {
            info = null;
            return false;
        }

        info = Events[id];
        return true;
    }

    /// <summary>Every version of the named event (enter and exit); empty when unknown.</summary>
    public static IReadOnlyList<EventInfo> ByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Names.TryGetValue(name, out EventInfo[]? found) ? found : [];
    }
}
