namespace KForensics.Core.Scap.Format;

/// <summary>
/// Syscall names by <c>PPM_SC_*</c> id, as sysdig 0.29.3 (libs e5c53d64, syscall_info_table.c) names
/// them: the evt.type of generic <c>syscall</c> events, whose first parameter is that id.
/// </summary>
public static class OracleSyscallNames
{
    private static readonly string[] Names =
    [
        "<unknown>", "restart_syscall", "exit", "read", "write", "open", "close", "creat", "link", "unlink", "chdir",
        "time", "mknod", "chmod", "stat", "lseek", "getpid", "mount", "ptrace", "alarm", "fstat", "pause", "utime",
        "access", "sync", "kill", "rename", "mkdir", "rmdir", "dup", "pipe", "times", "brk", "acct", "ioctl",
        "fcntl", "setpgid", "umask", "chroot", "ustat", "dup2", "getppid", "getpgrp", "setsid", "sethostname",
        "setrlimit", "getrusage", "gettimeofday", "settimeofday", "symlink", "lstat", "readlink", "uselib", "swapon",
        "reboot", "mmap", "munmap", "truncate", "ftruncate", "fchmod", "getpriority", "setpriority", "statfs",
        "fstatfs", "syslog", "setitimer", "getitimer", "uname", "vhangup", "wait4", "swapoff", "sysinfo", "fsync",
        "setdomainname", "adjtimex", "mprotect", "init_module", "delete_module", "quotactl", "getpgid", "fchdir",
        "sysfs", "personality", "getdents", "select", "flock", "msync", "readv", "writev", "getsid", "fdatasync",
        "mlock", "munlock", "mlockall", "munlockall", "sched_setparam", "sched_getparam", "sched_setscheduler",
        "sched_getscheduler", "sched_yield", "sched_get_priority_max", "sched_get_priority_min",
        "sched_rr_get_interval", "nanosleep", "mremap", "poll", "prctl", "rt_sigaction", "rt_sigprocmask",
        "rt_sigpending", "rt_sigtimedwait", "rt_sigqueueinfo", "rt_sigsuspend", "getcwd", "capget", "capset",
        "sendfile", "getrlimit", "lchown", "getuid", "getgid", "geteuid", "getegid", "setreuid", "setregid",
        "getgroups", "setgroups", "fchown", "setresuid", "getresuid", "setresgid", "getresgid", "chown", "setuid",
        "setgid", "setfsuid", "setfsgid", "pivot_root", "mincore", "madvise", "gettid", "setxattr", "lsetxattr",
        "fsetxattr", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr", "removexattr",
        "lremovexattr", "fremovexattr", "tkill", "futex", "sched_setaffinity", "sched_getaffinity",
        "set_thread_area", "get_thread_area", "io_setup", "io_destroy", "io_getevents", "io_submit", "io_cancel",
        "exit_group", "epoll_create", "epoll_ctl", "epoll_wait", "remap_file_pages", "set_tid_address",
        "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete", "clock_settime",
        "clock_gettime", "clock_getres", "clock_nanosleep", "tgkill", "utimes", "mq_open", "mq_unlink",
        "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr", "kexec_load", "waitid", "add_key",
        "request_key", "keyctl", "ioprio_set", "ioprio_get", "inotify_init", "inotify_add_watch", "inotify_rm_watch",
        "openat", "mkdirat", "mknodat", "fchownat", "futimesat", "unlinkat", "renameat", "linkat", "symlinkat",
        "readlinkat", "fchmodat", "faccessat", "pselect6", "ppoll", "unshare", "set_robust_list", "get_robust_list",
        "splice", "tee", "vmsplice", "getcpu", "epoll_pwait", "utimensat", "signalfd", "timerfd_create", "eventfd",
        "timerfd_settime", "timerfd_gettime", "signalfd4", "eventfd2", "epoll_create1", "dup3", "pipe2",
        "inotify_init1", "preadv", "pwritev", "rt_tgsigqueueinfo", "perf_event_open", "fanotify_init", "prlimit64",
        "clock_adjtime", "syncfs", "setns", "getdents64", "socket", "bind", "connect", "listen", "accept",
        "getsockname", "getpeername", "socketpair", "sendto", "recvfrom", "shutdown", "setsockopt", "getsockopt",
        "sendmsg", "sendmmsg", "recvmsg", "recvmmsg", "accept4", "semop", "semget", "semctl", "msgsnd", "msgrcv",
        "msgget", "msgctl", "shmdt", "shmget", "shmctl", "statfs64", "fstatfs64", "fstatat64", "sendfile64",
        "ugetrlimit", "bdflush", "sigprocmask", "ipc", "socketcall", "stat64", "lstat64", "fstat64", "fcntl64",
        "mmap2", "newselect", "sgetmask", "ssetmask", "sigpending", "olduname", "umount", "signal", "nice", "stime",
        "llseek", "waitpid", "pread64", "pwrite64", "arch_prctl", "shmat", "sigreturn", "fallocate", "newfstatat",
        "process_vm_readv", "process_vm_writev", "fork", "vfork", "setuid", "getuid", "setgid", "geteuid", "getgid",
        "setresuid", "setresgid", "getresuid", "getresgid", "finit_module", "bpf", "seccomp", "sigaltstack",
        "getrandom", "fadvise64", "renameat2", "userfaultfd", "openat2", "umount2", "execve", "execveat",
        "copy_file_range", "clone", "clone3",
    ];

    /// <summary>The name for a syscall id; <c>&lt;unknown&gt;</c> outside the table, as sysdig prints it.</summary>
    /// <summary>The syscall id a generic event carries in its first parameter (0, "&lt;unknown&gt;", without one).</summary>
    public static int IdOf(in RawEvent generic)
        => generic.ParamCount > 0 && generic.GetParam(0) is { Length: >= 2 } p ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(p) : 0;

    public static string Get(int id) => (uint)id < (uint)Names.Length ? Names[id] : "<unknown>";

    public static int Count => Names.Length;
}
