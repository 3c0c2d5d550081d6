namespace KForensics.Core.Scap.Format;

/// <summary>
/// The category sysdig 0.29.3 gives each system call id, aligned with <see cref="SysdigSyscallNames"/>:
/// events recorded as a generic "syscall" take their evt.category from here, not from the event table. The
/// table is generated (SysdigSyscallCategories.Data.cs).
/// </summary>
internal static partial class SysdigSyscallCategories
{
    /// <summary>The category of a syscall id; ids outside the table count as the table's first, "&lt;unknown&gt;", entry.</summary>
    public static EventCategory Get(int id) => (uint)id < (uint)Categories.Length ? Categories[id] : EventCategory.Other;

    public static int Count => Categories.Length;
}
