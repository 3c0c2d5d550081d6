namespace KForensics.Core.Scap.Format;

/// <summary>
/// Syscall names by <c>PPM_SC_*</c> id, as sysdig 0.29.3 (libs e5c53d64, syscall_info_table.c) names
/// them: the evt.type of generic <c>syscall</c> events, whose first parameter is that id. The table is
/// generated (SysdigSyscallNames.Data.cs).
/// </summary>
public static partial class SysdigSyscallNames
{
    /// <summary>The syscall id a generic event carries in its first parameter (0, "&lt;unknown&gt;", without one).</summary>
    public static int IdOf(in RawEvent generic)
        => generic.ParamCount > 0 && generic.GetParam(0) is { Length: >= 2 } p ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(p) : 0;

    /// <summary>The name for a syscall id; <c>&lt;unknown&gt;</c> outside the table, as sysdig prints it.</summary>
    public static string Get(int id) => (uint)id < (uint)Names.Length ? Names[id] : "<unknown>";

    public static int Count => Names.Length;
}
