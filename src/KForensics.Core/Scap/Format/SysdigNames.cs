namespace KForensics.Core.Scap.Format;

/// <summary>errno and signal names as sysdig 0.29.3 prints them.</summary>
internal static partial class SysdigNames
{
    /// <summary>Name of <c>-code</c> (sysdig passes the negative return value); null when it has none.</summary>
    public static string? Errno(int code)
    {
        int index = Array.BinarySearch(ErrnoNumbers, -code);
        return index >= 0 ? ErrnoNames[index] : null;
    }

    public static string? Signal(int number) => (uint)number < (uint)SignalNames.Length ? SignalNames[number] : null;
}
