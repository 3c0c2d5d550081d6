namespace KForensics.Core.Scap.Format;

/// <summary>
/// Builds the event table. The data files next to this one are generated from falcosecurity/libs
/// (current master for the main view, e5c53d64 for sysdig 0.29.3's view); these are their helpers.
/// </summary>
internal static partial class EventTableData
{
    internal static EventInfo[] Build()
    {
        var table = new EventInfo[EventIds.Max];
        DefineEvents0(table);
        DefineEvents1(table);
        DefineOracle(table);
        return table;
    }

    private static EventInfo E(ushort id, string name, EventCategory category, EventFlags flags, params ParamInfo[] parameters)
        => new(id, name, category, flags, parameters);

    private static ParamInfo P(string name, ParamType type, PrintFormat format, FlagName[]? flagNames = null, ParamInfo[]? dyn = null, int dirFd = -1)
        => new(name, type, format, flagNames, dirFd, dyn);

    // Unchanged since sysdig 0.29.3: its params are the first count of the current ones.
    private static void O(EventInfo info, string name, EventCategory category, EventFlags flags, int count)
    {
        var shared = new ParamInfo[count];
        for (int i = 0; i < count; i++)
        {
            shared[i] = (ParamInfo)info.Params[i];
        }

        info.SetOracle(name, category, flags, shared);
    }

    private static void O(EventInfo info, string name, EventCategory category, EventFlags flags, params ParamInfo[] parameters)
        => info.SetOracle(name, category, flags, parameters);
}
