using KForensics.Core.Scap.State;
using Ctx = KForensics.Core.Filtering.ScapFilterContext;

namespace KForensics.Core.Filtering;

/// <summary>Sessions, terminals, login users, environment and the resources a process holds.</summary>
public sealed partial class ScapFieldBinder
{
    private FieldAccessor<Ctx>? BindSession(FieldReference f)
    {
        switch (f.Field.Name)
        {
            case "proc.sid": return Num(f, c => c.Thread?.Sid);
            case "proc.vpgid": return Num(f, c => c.Thread?.Vpgid);
            case "proc.tty": return Num(f, c => c.Thread is { } t ? (int)t.Tty : null);
            case "proc.sname": return Str(f, c => SessionLeader(c)?.Image.Comm);
            case "proc.env":
                if (f.Argument is { } variable)
                {
                    string prefix = variable + "=";
                    return Str(f, c => c.Thread is { } t ? EnvValue(c.State.Threads.MainThread(t), prefix) : null);
                }

                return Str(f, c => c.Thread is { } t ? string.Join(' ', c.State.Threads.MainThread(t).Env) : null);
            case "proc.nthreads": return Num(f, c => c.Thread is { } t ? c.State.ChildCount(c.State.Threads.MainThread(t).Tid) + 1 : null);
            case "proc.nchilds": return Num(f, c => c.Thread is { } t ? c.State.ChildCount(t.Tid) : null);
            case "proc.fdopencount": return Num(f, c => c.Thread is { } t ? c.State.Threads.FdTableOf(t).Count : null);
            case "proc.fdlimit": return Num(f, c => c.Thread is { } t ? c.State.Threads.MainThread(t).FdLimit : null);
            case "proc.vmsize": return Num(f, c => c.Thread is { } t ? (long)t.VmSizeKb : null);
            case "proc.vmrss": return Num(f, c => c.Thread is { } t ? (long)t.VmRssKb : null);
            case "proc.vmswap": return Num(f, c => c.Thread is { } t ? (long)t.VmSwapKb : null);
            case "thread.pfmajor": return Num(f, c => c.Thread is { } t ? (long)t.PfMajor : null);
            case "thread.pfminor": return Num(f, c => c.Thread is { } t ? (long)t.PfMinor : null);
            case "thread.vmsize": return Num(f, c => c.Thread is { } t ? (t.Tid == t.Pid ? (long)t.VmSizeKb : 0) : null);
            case "thread.vmrss": return Num(f, c => c.Thread is { } t ? (t.Tid == t.Pid ? (long)t.VmRssKb : 0) : null);
            case "user.loginuid": return Num(f, c => c.Thread is { } t ? (int)t.LoginUid : null);
            case "user.loginname": return Str(f, c => c.Thread is { } t ? c.State.Users.FindUser(t.LoginUid)?.Name : null);
            default: return null;
        }
    }

    private static string EnvValue(ThreadInfo t, string prefix)
    {
        foreach (string entry in t.Env)
        {
            if (entry.StartsWith(prefix, StringComparison.Ordinal))
            {
                return entry[prefix.Length..];
            }
        }

        return string.Empty;
    }

    /// <summary>
    /// proc.sname's leader, as sysdig 0.29.3 finds it: the thread whose id is the session id, else (when it
    /// is gone) the eldest ancestor of the main thread that still has the same session id.
    /// </summary>
    private static ThreadInfo? SessionLeader(Ctx c)
    {
        if (c.Thread is not { } t)
        {
            return null;
        }

        if (c.State.Threads.Find(t.Sid) is { } leader)
        {
            return leader;
        }

        ThreadInfo found = c.State.Threads.MainThread(t);
        long sid = found.Sid;
        var seen = new HashSet<long> { found.Tid };
        for (ThreadInfo? p = c.State.Threads.Find(found.Ptid); p is not null && p.Sid == sid && seen.Add(p.Tid); p = c.State.Threads.Find(p.Ptid))
        {
            found = p;
        }

        return found;
    }
}
