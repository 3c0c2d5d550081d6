using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Writing;

/// <summary>The block type numbers the writer emits (pcapng-like scap blocks, file version 1.2).</summary>
public static class ScapBlockTypes
{
    public const uint SectionHeader = 0x0A0D0D0A;
    public const uint MachineInfo = 0x201;
    public const uint ProcessListV9 = 0x215;
    public const uint FdListV2 = 0x218;
    public const uint InterfaceListV2 = 0x219;
    public const uint UserListV2 = 0x220;
    public const uint EventV2 = 0x216;
    public const uint EventV2Large = 0x221;
    public const uint FlaggedEventV2 = 0x217;
    public const uint FlaggedEventV2Large = 0x222;

    /// <summary>Flag of flagged event blocks: the event only updates state; readers do not show it.</summary>
    public const uint StateOnlyFlag = BlockTypes.StateOnlyFlag;
    public const uint ByteOrderMagic = 0x1A2B3C4D;

    /// <summary>Non-LARGE event blocks above this size are rejected by readers (their block buffer size).</summary>
    public const int MaxSmallBlockSize = 65536;
}
