using System.Text;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Decoding;

internal static partial class EventFormatter
{
    /// <summary>
    /// One argument as the filter fields <c>evt.arg.NAME</c> / <c>evt.arg[N]</c> see it: the resolved
    /// text where sysdig resolves one (an fd's <c>&lt;f&gt;/etc/passwd</c>, flag names, errno names),
    /// otherwise the printed value. False when the event has no such argument.
    /// </summary>
    public static bool TryFormatArgument(in RawEvent ev, EventInfo info, IEventContext? context, string? name, int index, out string text)
    {
        text = string.Empty;
        IReadOnlyList<ParamInfo> table = info.IsSysdigKnown ? info.SysdigParams : info.Params;
        int count = Math.Min(Math.Min(ev.FileParamCount, table.Count), MaxParams);
        if (name is not null)
        {
            index = -1;
            for (int i = 0; i < count; i++)
            {
                if (string.Equals(table[i].Name, name, StringComparison.Ordinal))
                {
                    index = i;
                    break;
                }
            }
        }

        if (index < 0 || index >= count)
        {
            return false;
        }

        Span<int> starts = stackalloc int[count];
        Span<int> lengths = stackalloc int[count];
        var values = new Params(ev, count, starts, lengths);
        StringBuilder value = Rent(ref _cachedValue);
        StringBuilder resolved = Rent(ref _cachedResolved);
        try
        {
            var state = new FormatState(values, table, context);

            // Earlier parameters first: one that prints nothing keeps the text of the one before it.
            for (int i = 0; i <= index; i++)
            {
                resolved.Clear();
                FormatParam(ref state, i, value, resolved);
            }

            text = resolved.Length > 0 ? resolved.ToString() : value.ToString();
            return true;
        }
        finally
        {
            Return(ref _cachedValue, value);
            Return(ref _cachedResolved, resolved);
        }
    }
}
