namespace KForensics.Core.Scap.Format;

/// <summary>
/// The category sysdig 0.29.3 gives each system call id, aligned with <see cref="OracleSyscallNames"/>:
/// events recorded as a generic "syscall" take their evt.category from here, not from the event table.
/// </summary>
internal static class OracleSyscallCategories
{
    private const EventCategory O = EventCategory.Other, F = EventCategory.File, N = EventCategory.Net, I = EventCategory.Ipc,
        M = EventCategory.Memory, P = EventCategory.Process, Sl = EventCategory.Sleep, Sy = EventCategory.System,
        Sg = EventCategory.Signal, U = EventCategory.User, T = EventCategory.Time, R = EventCategory.IoRead,
        W = EventCategory.IoWrite, IO = EventCategory.IoOther, Wt = EventCategory.Wait;

    private static readonly EventCategory[] Categories =
    [
        O, Sy, P, R, W, F, F, F, F, F, F, T, F, F, F, F, P, F, O, T, F, Wt, T, F, IO, I, F, F, F, IO, I, T, M, P, IO,
        Wt, P, P, I, F, IO, P, P, P, Sy, P, P, T, T, F, F, F, P, P, Sy, F, F, F, F, F, P, P, F, F, Sy, T, T, Sy, O,
        Wt, Sy, Sy, IO, Sy, Sy, M, Sy, Sy, Sy, P, F, Sy, P, F, Wt, F, IO, R, W, P, IO, M, M, M, M, P, P, P, P, Sl, P,
        P, P, Sl, F, Wt, P, Sg, Sg, Sg, Sg, Sg, Sg, F, P, P, F, P, F, U, U, U, U, U, U, U, U, F, U, U, U, U, F, U, U,
        U, U, P, M, M, P, F, F, F, F, F, F, F, F, F, F, F, F, Sg, I, P, P, P, P, IO, IO, IO, IO, IO, IO, Wt, Wt, Wt,
        F, P, T, T, T, T, T, T, T, T, Sl, Sg, F, I, I, I, I, I, I, Sy, Wt, Sy, Sy, Sy, P, P, I, I, I, F, F, F, F, F,
        F, F, F, F, F, F, F, Wt, Wt, P, P, P, I, I, I, P, Wt, F, Sg, T, I, T, T, Sg, I, Wt, IO, I, I, R, W, O, O, I,
        P, O, F, P, I, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, I, I, I, I, I, I, I, I, I, I, F, F, F, F,
        P, O, Sg, I, N, F, F, F, F, F, Wt, Sg, Sg, Sg, Sy, F, Sg, P, T, F, Wt, F, F, P, I, Sg, IO, IO, IO, IO, IO, IO,
        IO, IO, IO, IO, IO, IO, IO, IO, IO, Sy, O, O, IO, IO, IO, F, F, F, F, Sy, Sy, F, P, P,
    ];

    /// <summary>The category of a syscall id; ids outside the table count as the table's first, "&lt;unknown&gt;", entry.</summary>
    public static EventCategory Get(int id) => (uint)id < (uint)Categories.Length ? Categories[id] : EventCategory.Other;

    public static int Count => Categories.Length;
}
