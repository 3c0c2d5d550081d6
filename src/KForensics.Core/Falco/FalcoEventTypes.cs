using KForensics.Core.Filtering;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Falco;

/// <summary>
/// Which event codes a rule is a candidate for (Falco's event-type index), in current Falco's algebra
/// and in Falco 0.31.1's, and which events 0.31.1 drops before any rule sees them.
/// </summary>
internal static class FalcoEventTypes
{
    /// <summary>Every event code.</summary>
    private static readonly int[] AllCodes = Enumerable.Range(0, EventTable.Count).ToArray();

    /// <summary>Falco 0.31.1's "all types": 2 and up, without old versions, unused codes and generic events.</summary>
    private static readonly HashSet<int> Legacy031All = EventTable.All
        .Where(e => e.Id >= 2 && e.IsSysdigKnown && (e.SysdigFlags & (EventFlags.OldVersion | EventFlags.Unused)) == 0)
        .Select(e => (int)e.Id)
        .ToHashSet();

    /// <summary>
    /// Generic syscalls whose syscall-table entry carries EF_DROP_SIMPLE_CONS in the libs Falco 0.31.1
    /// was built with (userspace/libscap/syscall_info_table.c): 0.31.1 drops their generic events.
    /// </summary>
    private static readonly HashSet<string> Legacy031DroppedGeneric = new(StringComparer.Ordinal)
    {
        "access", "alarm", "brk", "capget", "clock_getres", "clock_gettime", "clock_nanosleep", "clock_settime", "close",
        "epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_wait", "eventfd", "eventfd2", "exit_group",
        "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64",
        "fsync", "futex", "get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
        "geteuid", "getgid", "getgroups", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
        "getpriority", "getresgid", "getresuid", "getrlimit", "getrusage", "getsid", "getsockname", "getsockopt", "gettid",
        "gettimeofday", "getuid", "getxattr", "io_cancel", "io_destroy", "io_getevents", "io_setup", "io_submit",
        "ioprio_get", "ioprio_set", "lgetxattr", "listxattr", "llistxattr", "llseek", "lseek", "lstat", "lstat64", "madvise",
        "mincore", "mlock", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_timedreceive",
        "mq_timedsend", "mremap", "msgget", "msgrcv", "msgsnd", "munlock", "munlockall", "munmap", "nanosleep", "newfstatat",
        "newselect", "olduname", "pause", "poll", "ppoll", "pread64", "preadv", "pselect6", "pwrite64", "pwritev", "read",
        "readv", "recvmmsg", "remap_file_pages", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigsuspend",
        "rt_sigtimedwait", "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity", "sched_getparam",
        "sched_getscheduler", "sched_yield", "select", "semctl", "semget", "semop", "sendfile", "sendfile64", "sendmmsg",
        "setitimer", "setresgid", "setrlimit", "settimeofday", "sgetmask", "shutdown", "signalfd", "signalfd4", "sigpending",
        "sigprocmask", "sigreturn", "splice", "stat", "stat64", "statfs", "statfs64", "tee", "time", "timer_create",
        "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime", "timerfd_create", "timerfd_gettime",
        "timerfd_settime", "times", "ugetrlimit", "umask", "uname", "ustat", "vmsplice", "wait4", "waitid", "waitpid",
        "write", "writev",
    };

    private static readonly HashSet<string> SyscallNames = Enumerable.Range(1, SysdigSyscallNames.Count - 1)
        .Select(SysdigSyscallNames.Get).ToHashSet(StringComparer.Ordinal);

    /// <summary>Event codes Falco 0.31.1 skips without -A (<c>simple_consumer_consider</c> false), generic events aside.</summary>
    internal static bool IsLegacy031DroppedCode(EventInfo info)
        => info.Id >= 2 && (!info.IsSysdigKnown
            || (info.SysdigFlags & (EventFlags.SkipParseReset | EventFlags.Unused | EventFlags.DropSimpleCons | EventFlags.OldVersion)) != 0);

    /// <summary>Generic events of these syscalls are skipped by Falco 0.31.1 without -A.</summary>
    internal static bool IsLegacy031DroppedGeneric(string syscall) => Legacy031DroppedGeneric.Contains(syscall);

    /// <summary>
    /// Current Falco (<c>ppm_event_codes</c>): negation pushed to the checks; a check on evt.type with
    /// = or in names every code of those names (old versions included) and the generic events when the
    /// name is a syscall without an event of its own; anything else is every code. Null means every code.
    /// </summary>
    internal static HashSet<int>? Current(FilterNode node)
    {
        HashSet<int> set = Current(node, negated: false);
        if (set.Count == AllCodes.Length)
        {
            return null;
        }

        set.Add(EventIds.AsynceventE);
        return set;
    }

    private static HashSet<int> Current(FilterNode node, bool negated)
    {
        switch (node)
        {
            case AndNode and:
                return Combine(Current(and.Left, negated), Current(and.Right, negated), union: negated);
            case OrNode or:
                return Combine(Current(or.Left, negated), Current(or.Right, negated), union: !negated);
            case NotNode not:
                return Current(not.Operand, !negated);
            case CheckNode check when IsTypeCheck(check, out bool negative):
            {
                HashSet<int> named = Named(check, current: true);
                return negated ^ negative ? AllCodes.Where(c => !named.Contains(c)).ToHashSet() : named;
            }

            default:
                return AllCodes.ToHashSet();
        }
    }

    /// <summary>
    /// Falco 0.31.1 (libsinsp <c>evttypes</c>): = and in on evt.type name their types, and intersects,
    /// or unions, not and != invert within 0.31.1's "all types", which stays itself when inverted.
    /// An empty set means the rule is evaluated on every event.
    /// </summary>
    internal static HashSet<int> Legacy031(FilterNode node)
    {
        switch (node)
        {
            case AndNode and:
                return Combine(Legacy031(and.Left), Legacy031(and.Right), union: false);
            case OrNode or:
                return Combine(Legacy031(or.Left), Legacy031(or.Right), union: true);
            case NotNode not:
                return Invert(Legacy031(not.Operand));
            case CheckNode check when IsTypeCheck(check, out bool negative):
            {
                HashSet<int> named = Named(check, current: false);
                return negative ? Invert(named) : named;
            }

            default:
                return [.. Legacy031All];
        }
    }

    private static HashSet<int> Invert(HashSet<int> set)
        => set.SetEquals(Legacy031All) ? set : Legacy031All.Where(c => !set.Contains(c)).ToHashSet();

    private static HashSet<int> Combine(HashSet<int> left, HashSet<int> right, bool union)
    {
        if (union)
        {
            left.UnionWith(right);
        }
        else
        {
            left.IntersectWith(right);
        }

        return left;
    }

    private static bool IsTypeCheck(CheckNode check, out bool negative)
    {
        negative = check.Operator == FilterOperator.NotEqual;
        return check.Field.Field.Name == "evt.type" && check.Field.Argument is null
            && check.Operator is FilterOperator.Equal or FilterOperator.NotEqual or FilterOperator.In;
    }

    private static HashSet<int> Named(CheckNode check, bool current)
    {
        var set = new HashSet<int>();
        foreach (FilterValue value in check.Values)
        {
            bool ownEvent = false;
            foreach (EventInfo info in EventTable.All)
            {
                string name = current ? info.Name : info.IsSysdigKnown ? info.SysdigName : string.Empty;
                if (info.Id >= 2 && string.Equals(name, value.Text, StringComparison.Ordinal))
                {
                    set.Add(info.Id);
                    ownEvent = true;
                }
            }

            // names_to_event_set: the generic events stand for the syscalls that have no event of their own.
            if (current && !ownEvent && SyscallNames.Contains(value.Text))
            {
                set.Add(EventIds.GenericE);
                set.Add(EventIds.GenericX);
            }
        }

        return set;
    }

    /// <summary>Sorted names of a code set, generic events named "syscall".</summary>
    internal static IReadOnlyList<string> Names(IEnumerable<int> codes)
        => codes.Select(c => c <= EventIds.GenericX ? "syscall" : EventTable.Get(c).Name).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToArray();
}
