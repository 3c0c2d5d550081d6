using KForensics.Core.Filtering;
using KForensics.Core.Scap.State;
using Ctx = KForensics.Core.Scap.Fields.ScapFilterContext;

namespace KForensics.Core.Scap.Fields;

public sealed partial class ScapFieldBinder
{
    // execve's exe flags (PPM_EXE_*).
    private const uint ExeWritable = 1, ExeUpperLayer = 2, ExeFromMemfd = 4;

    private static FieldAccessor<Ctx>? BindProc(FieldReference f)
    {
        switch (f.Field.Name)
        {
            case "proc.pid": return Num(f, c => c.Thread?.Pid);
            case "proc.exe": return Str(f, c => c.Thread?.Image.Exe);
            case "proc.name": return Str(f, c => c.Thread?.Image.Comm);
            case "proc.args": return Str(f, c => c.Thread is { } t ? string.Join(' ', t.Image.Args) : null);
            case "proc.cmdline": return Str(f, c => c.Thread?.Image.CommandLine);
            // sinsp always puts a space after the exe, arguments or not; an unknown exepath is empty, not missing.
            case "proc.exeline": return Str(f, c => c.Thread is { } t ? t.Image.Exe + " " + string.Join(' ', t.Image.Args) : null);
            case "proc.exepath": return Str(f, c => c.Thread?.Image.ExePath);
            case "proc.cwd": return Str(f, c => c.Thread is { } t ? c.State.Threads.CwdOf(t) : null);
            case "proc.ppid": return Num(f, c => c.Thread is { } t ? c.State.Threads.MainThread(t).Ptid : null);
            case "proc.pname": return Str(f, c => Parent(c)?.Image.Comm);
            case "proc.pcmdline": return Str(f, c => Parent(c)?.Image.CommandLine);
            case "proc.vpid": return Num(f, c => c.Thread?.Vpid);
            case "proc.duration": return Num(f, c => c.Thread is { CloneTs: > 0 } t && c.Raw.Timestamp >= t.CloneTs ? (long)(c.Raw.Timestamp - t.CloneTs) : null);
            case "proc.loginshellid": return Num(f, c => LoginShell(c));
            case "proc.aname":
                if (f.Index is int n)
                {
                    return Str(f, c => Ancestor(c, n)?.Image.Comm);
                }

                return FieldAccessor<Ctx>.ForStrings(f, c => Ancestors(c, t => t.Image.Comm));
            case "proc.apid":
                if (f.Index is int m)
                {
                    return Num(f, c => Ancestor(c, m)?.Pid);
                }

                return FieldAccessor<Ctx>.ForNumbers(f, c => Ancestors(c, t => t.Pid));
            case "proc.pexe": return Str(f, c => Parent(c)?.Image.Exe);
            case "proc.pexepath": return Str(f, c => Parent(c)?.Image.ExePath);
            case "proc.aexe":
                if (f.Index is int e)
                {
                    return Str(f, c => Ancestor(c, e)?.Image.Exe);
                }

                return FieldAccessor<Ctx>.ForStrings(f, c => Ancestors(c, t => t.Image.Exe));
            case "proc.aexepath":
                if (f.Index is int p)
                {
                    return Str(f, c => Ancestor(c, p)?.Image.ExePath);
                }

                return FieldAccessor<Ctx>.ForStrings(f, c => Ancestors(c, t => t.Image.ExePath));
            // sinsp keeps 0 for "no inode" and "no time": those are null, as libs extracts them.
            case "proc.exe_ino": return Num(f, c => c.Thread is { ExeIno: > 0 } t ? (long)t.ExeIno : null);
            case "proc.exe_ino.ctime": return Num(f, c => c.Thread is { ExeInoCtime: > 0 } t ? (long)t.ExeInoCtime : null);
            case "proc.exe_ino.mtime": return Num(f, c => c.Thread is { ExeInoMtime: > 0 } t ? (long)t.ExeInoMtime : null);
            case "proc.exe_ino.ctime_duration_proc_start":
                return Num(f, c => c.Thread is { ExeInoCtimeDurationCloneTs: > 0 } t ? (long)t.ExeInoCtimeDurationCloneTs : null);
            // As in sinsp (and sysdig's own proc.is_exe_writable), a thread whose exec did not state the
            // flags or capabilities has them clear: false, and an empty capability list.
            case "proc.is_exe_writable": return Flag(f, c => c.Thread is { } t ? (t.ExeFlags.GetValueOrDefault() & ExeWritable) != 0 : null);
            case "proc.is_exe_upper_layer": return Flag(f, c => c.Thread is { } t ? (t.ExeFlags.GetValueOrDefault() & ExeUpperLayer) != 0 : null);
            case "proc.is_exe_from_memfd": return Flag(f, c => c.Thread is { } t ? (t.ExeFlags.GetValueOrDefault() & ExeFromMemfd) != 0 : null);
            case "thread.cap_permitted": return Str(f, c => c.Thread is { } t ? Capabilities.ToText(t.CapPermitted.GetValueOrDefault()) : null);
            case "thread.cap_inheritable": return Str(f, c => c.Thread is { } t ? Capabilities.ToText(t.CapInheritable.GetValueOrDefault()) : null);
            case "thread.cap_effective": return Str(f, c => c.Thread is { } t ? Capabilities.ToText(t.CapEffective.GetValueOrDefault()) : null);
            case "thread.tid": return Num(f, c => c.Raw.ThreadId);
            case "thread.vtid": return Num(f, c => c.Thread?.Vtid);
            case "thread.ismain": return Flag(f, c => c.Thread is { } t ? t.Tid == t.Pid : null);
            case "thread.cgroups": return Str(f, c => c.Thread is { } t ? string.Join(' ', t.Cgroups) : null);
            case "thread.cgroup":
            {
                string subsystem = f.Argument ?? string.Empty;
                return Str(f, c => Cgroup(c.Thread, subsystem));
            }

            default: return null;
        }
    }

    private static ThreadInfo? Parent(Ctx c) => c.Thread is { } t ? c.State.Threads.Find(t.Ptid) : null;

    /// <summary>proc.aname[n]: n = 0 is the process itself, 1 its parent, and so on.</summary>
    private static ThreadInfo? Ancestor(Ctx c, int n)
    {
        ThreadInfo? t = c.Thread is { } self ? c.State.Threads.MainThread(self) : null;
        for (int i = 0; i < n && t is not null; i++)
        {
            t = t.Ptid > 0 && t.Ptid != t.Tid ? c.State.Threads.Find(t.Ptid) : null;
        }

        return t;
    }

    /// <summary>Every ancestor, parent first (what proc.aname without an index matches against).</summary>
    private static List<T>? Ancestors<T>(Ctx c, Func<ThreadInfo, T> pick)
    {
        if (c.Thread is null)
        {
            return null;
        }

        var result = new List<T>();
        var seen = new HashSet<long>();
        for (ThreadInfo? t = Ancestor(c, 1); t is not null && seen.Add(t.Tid) && result.Count < 64;
             t = t.Ptid > 0 && t.Ptid != t.Tid ? c.State.Threads.Find(t.Ptid) : null)
        {
            result.Add(pick(t));
        }

        return result;
    }

    /// <summary>
    /// proc.loginshellid: the pid of the outermost shell among the process and its ancestors, where
    /// sinsp takes any name ending in "sh" for a shell; none when there is no such ancestor.
    /// </summary>
    private static long? LoginShell(Ctx c)
    {
        if (c.Thread is null)
        {
            return null;
        }

        long? found = null;
        var seen = new HashSet<long>();
        for (ThreadInfo? t = Ancestor(c, 0); t is not null && seen.Add(t.Tid);
             t = t.Ptid > 0 && t.Ptid != t.Tid ? c.State.Threads.Find(t.Ptid) : null)
        {
            if (t.Image.Comm.EndsWith("sh", StringComparison.Ordinal))
            {
                found = t.Pid;
            }
        }

        return found;
    }

    private static string? Cgroup(ThreadInfo? t, string subsystem)
    {
        if (t is null)
        {
            return null;
        }

        foreach (string entry in t.Cgroups)
        {
            int eq = entry.IndexOf('=');
            if (eq > 0 && entry.AsSpan(0, eq).SequenceEqual(subsystem))
            {
                return entry[(eq + 1)..];
            }
        }

        return null;
    }

    private static FieldAccessor<Ctx>? BindUser(FieldReference f)
    {
        switch (f.Field.Name)
        {
            case "user.uid": return Num(f, c => c.Thread is { } t ? t.Uid : null);
            case "user.name": return Str(f, c => c.Thread is { } t ? c.State.Users.FindUser(t.Uid)?.Name : null);
            case "user.homedir": return Str(f, c => c.Thread is { } t ? c.State.Users.FindUser(t.Uid)?.HomeDir : null);
            case "user.shell": return Str(f, c => c.Thread is { } t ? c.State.Users.FindUser(t.Uid)?.Shell : null);
            case "group.gid": return Num(f, c => c.Thread is { } t ? t.Gid : null);
            case "group.name": return Str(f, c => c.Thread is { } t ? c.State.Users.FindGroup(t.Gid)?.Name : null);
            default: return null;
        }
    }
}
