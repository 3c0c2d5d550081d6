using System.Globalization;

namespace KForensics.Core.Scap.Format;

/// <summary>Block type numbers of the scap format (<c>scap_savefile.h</c>); the <c>*_INT</c> values are pre-release aliases.</summary>
public static class BlockTypes
{
    public const uint Shb = 0x0A0D0D0A;
    public const uint ByteOrderMagic = 0x1A2B3C4D;

    /// <summary>Flag of flagged event blocks (SCAP_DF_STATE_ONLY): the event only updates state; readers do not show it.</summary>
    public const uint StateOnlyFlag = 1;

    /// <summary>Flag of flagged event blocks (SCAP_DF_TRACER): a tracer's write, which takes no fd.</summary>
    public const uint TracerFlag = 2;

    public const uint Mi = 0x201, MiInt = 0x8002ABCD;
    public const uint PlV1 = 0x202, PlV1Int = 0x8000ABCD;
    public const uint PlV2 = 0x207, PlV2Int = 0x8013ABCD;
    public const uint PlV3 = 0x209, PlV3Int = 0x8014ABCD;
    public const uint PlV4 = 0x210, PlV5 = 0x211, PlV6 = 0x212, PlV7 = 0x213, PlV8 = 0x214, PlV9 = 0x215;
    public const uint Fdl = 0x203, FdlInt = 0x8001ABCD, FdlV2 = 0x218;
    public const uint Ev = 0x204, EvInt = 0x8010ABCD, EvV2 = 0x216, EvV2Large = 0x221;
    public const uint Evf = 0x208, EvfV2 = 0x217, EvfV2Large = 0x222;
    public const uint Il = 0x205, IlInt = 0x8011ABCD, IlV2 = 0x219;
    public const uint Ul = 0x206, UlInt = 0x8012ABCD, UlV2 = 0x220;

    /// <summary>Event blocks that are not LARGE are rejected above this size (the readers' block buffer).</summary>
    public const int MaxSmallBlockSize = 65536;

    /// <summary>The process-list layout version of a PL block type (1–9), or 0 when it is not a PL block.</summary>
    public static int ProcessListVersion(uint type) => type switch
    {
        PlV1 or PlV1Int => 1,
        PlV2 or PlV2Int => 2,
        PlV3 or PlV3Int => 3,
        PlV4 => 4,
        PlV5 => 5,
        PlV6 => 6,
        PlV7 => 7,
        PlV8 => 8,
        PlV9 => 9,
        _ => 0,
    };

    public static bool IsEvent(uint type) => type is Ev or EvInt or EvV2 or EvV2Large or Evf or EvfV2 or EvfV2Large;

    public static string Name(uint type) => type switch
    {
        0 => "none",
        Shb => "SHB",
        Mi => "MI",
        MiInt => "MI_INT",
        PlV1 => "PL_V1",
        PlV1Int => "PL_V1_INT",
        PlV2 => "PL_V2",
        PlV2Int => "PL_V2_INT",
        PlV3 => "PL_V3",
        PlV3Int => "PL_V3_INT",
        PlV4 => "PL_V4",
        PlV5 => "PL_V5",
        PlV6 => "PL_V6",
        PlV7 => "PL_V7",
        PlV8 => "PL_V8",
        PlV9 => "PL_V9",
        Fdl => "FDL",
        FdlInt => "FDL_INT",
        FdlV2 => "FDL_V2",
        Ev => "EV",
        EvInt => "EV_INT",
        EvV2 => "EV_V2",
        EvV2Large => "EV_V2_LARGE",
        Evf => "EVF",
        EvfV2 => "EVF_V2",
        EvfV2Large => "EVF_V2_LARGE",
        Il => "IL",
        IlInt => "IL_INT",
        IlV2 => "IL_V2",
        Ul => "UL",
        UlInt => "UL_INT",
        UlV2 => "UL_V2",
        _ => "0x" + type.ToString("X", CultureInfo.InvariantCulture),
    };
}
