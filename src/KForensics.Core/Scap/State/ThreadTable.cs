namespace KForensics.Core.Scap.State;

/// <summary>tid → thread, with sinsp's rules for placeholders, main threads and shared fd tables.</summary>
internal sealed class ThreadTable
{
    internal const uint ClCloneFiles = 1u << 0;
    internal const uint ClCloneThread = 1u << 13;
    internal const uint ClCloneInverted = 1u << 16;
    internal const uint ClClosed = 1u << 18;
    internal const uint ClChildInPidNs = 1u << 29;
    internal const uint ClIsMainThread = 1u << 30;

    private readonly Dictionary<long, ThreadInfo> _threads = [];
    private long _lastTid = long.MinValue;
    private ThreadInfo? _last;

    public int Count => _threads.Count;

    public IEnumerable<ThreadInfo> All => _threads.Values;

    public ThreadInfo? Find(long tid)
    {
        if (tid == _lastTid && _last is not null)
        {
            return _last;
        }

        if (_threads.TryGetValue(tid, out ThreadInfo? t))
        {
            _lastTid = tid;
            _last = t;
        }

        return t;
    }

    /// <summary>Offline, a thread never seen gets a placeholder (<c>&lt;NA&gt;</c>) that stays in the table, as in sinsp.</summary>
    public ThreadInfo GetOrAdd(long tid)
    {
        ThreadInfo? t = Find(tid);
        if (t is null)
        {
            t = new ThreadInfo(tid, tid, -1, ProcessImage.Unknown);
            Add(t);
        }

        return t;
    }

    public void Add(ThreadInfo thread)
    {
        if (_threads.TryGetValue(thread.Tid, out ThreadInfo? replaced) && !ReferenceEquals(replaced, thread))
        {
            replaced.Removed = true;
        }

        _threads[thread.Tid] = thread;
        if (_lastTid == thread.Tid)
        {
            _last = thread;
        }
    }

    public void Remove(long tid)
    {
        if (_threads.Remove(tid, out ThreadInfo? gone))
        {
            gone.Removed = true;
        }

        if (_lastTid == tid)
        {
            _last = null;
            _lastTid = long.MinValue;
        }
    }

    /// <summary>sinsp's is_main_thread: tid equals pid, or the clone flags mark the thread as its process's main thread.</summary>
    public static bool IsMainThread(ThreadInfo thread) => thread.Pid == thread.Tid || (thread.Flags & ClIsMainThread) != 0;

    public ThreadInfo MainThread(ThreadInfo thread)
    {
        if (IsMainThread(thread))
        {
            return thread;
        }

        if (thread.CachedMain is { Removed: false } cached && cached.Tid == thread.Pid)
        {
            return cached;
        }

        ThreadInfo main = GetOrAdd(thread.Pid);
        thread.CachedMain = main;
        return main;
    }

    public Dictionary<long, FdInfo> FdTableOf(ThreadInfo thread)
        => (thread.Flags & ClCloneFiles) == 0 ? thread.OwnFds : MainThread(thread).OwnFds;

    public FdInfo? GetFd(ThreadInfo thread, long fd)
        => FdTableOf(thread).TryGetValue(fd, out FdInfo? info) ? info : null;

    public string CwdOf(ThreadInfo thread) => MainThread(thread).Cwd;

    /// <summary>The fd table a thread uses, without creating a missing main thread (for reading only).</summary>
    public Dictionary<long, FdInfo>? PeekFdTable(ThreadInfo thread)
        => (thread.Flags & ClCloneFiles) == 0 ? thread.OwnFds : PeekMain(thread)?.OwnFds;

    /// <summary>The cwd a thread uses, without creating a missing main thread (for reading only).</summary>
    public string? PeekCwd(ThreadInfo thread) => PeekMain(thread)?.Cwd;

    private ThreadInfo? PeekMain(ThreadInfo thread)
    {
        if (thread.Pid == thread.Tid || (thread.Flags & ClIsMainThread) != 0)
        {
            return thread;
        }

        if (thread.CachedMain is { Removed: false } cached && cached.Tid == thread.Pid)
        {
            return cached;
        }

        ThreadInfo? main = Find(thread.Pid);
        thread.CachedMain = main;
        return main;
    }

    /// <summary>sinsp's set_cwd: resolve against the current cwd, keep a trailing '/'.</summary>
    public void SetCwd(ThreadInfo thread, string path)
    {
        ThreadInfo main = MainThread(thread);
        string cwd = SinspPath.Concatenate(main.Cwd, path);
        main.Cwd = cwd.Length == 0 || cwd[^1] != '/' ? cwd + "/" : cwd;
    }
}
