using KForensics.Core.Filtering;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.State;
using Ctx = KForensics.Core.Scap.Fields.ScapFilterContext;

namespace KForensics.Core.Scap.Fields;

/// <summary>Sessions, terminals, login users, environment and the resources a process holds.</summary>
public sealed partial class ScapFieldBinder
{
    private static FieldAccessor<Ctx>? BindSession(FieldReference f)
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
            // Doubles print with one decimal, as sysdig prints them.
            case "proc.fdusage": return Real(f, c => c.Thread is { } t ? FdUsage(c, t) : null);
            case "thread.cpu": return ThreadCpu(f, user: true, system: true);
            case "thread.cpu.user": return ThreadCpu(f, user: true, system: false);
            case "thread.cpu.system": return ThreadCpu(f, user: false, system: true);
            case "proc.is_container_healthcheck" or "proc.is_container_liveness_probe" or "proc.is_container_readiness_probe":
                // sinsp marks a process as a probe when its exec matches the container's probe command; no
                // container in a capture has told us of a probe that matched, so a known thread is never one.
                return Flag(f, c => c.Thread is null ? null : IsProbe(c, f.Field.Name));
            case "thread.exectime": return ExecTime(f, total: false);
            case "thread.totexectime": return ExecTime(f, total: true);
            case "user.loginuid": return Num(f, c => c.Thread is { } t ? (int)t.LoginUid : null);
            case "user.loginname": return Str(f, c => c.Thread is { } t ? c.State.Users.FindUser(t.LoginUid)?.Name : null);
            default: return null;
        }
    }

    private static FieldAccessor<Ctx> Real(FieldReference f, Func<Ctx, double?> get)
        => FieldAccessor<Ctx>.ForString(f, c => get(c)?.ToString("F1", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>proc.fdusage: open fds as a share of the limit, in percent (100 at most; 0 without a limit).</summary>
    private static double FdUsage(Ctx c, ThreadInfo t)
    {
        long limit = c.State.Threads.MainThread(t).FdLimit;
        int open = c.State.Threads.FdTableOf(t).Count;
        return limit <= 0 ? 0 : open <= limit ? open * 100.0 / limit : 100;
    }

    /// <summary>
    /// thread.cpu*: on a procinfo event, the CPU ticks (user and/or system) since the thread's previous
    /// procinfo event, at most 100; 0 on its first; null on every other event. Per bound field, as in sysdig.
    /// </summary>
    private static FieldAccessor<Ctx> ThreadCpu(FieldReference f, bool user, bool system)
    {
        var last = new Dictionary<long, ulong>();
        return Real(f, c =>
        {
            if (c.Info.Id != EventIds.ProcinfoE || c.Thread is not { } t)
            {
                return null;
            }

            RawEvent raw = c.Raw;
            ulong total = (user && raw.ParamCount > 0 ? ReadU64(raw.GetParam(0)) : 0) + (system && raw.ParamCount > 1 ? ReadU64(raw.GetParam(1)) : 0);
            double value = last.TryGetValue(t.Tid, out ulong previous) && previous != 0 ? Math.Min(100, (double)(total - previous)) : 0;
            last[t.Tid] = total;
            return value;
        });
    }

    private static ulong ReadU64(ReadOnlySpan<byte> p) => p.Length >= 8 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(p) : 0;

    private static bool IsProbe(Ctx c, string field)
    {
        if (Described(c) is not { } k)
        {
            return false;
        }

        string? probe = field switch
        {
            "proc.is_container_healthcheck" => k.HealthCheck,
            "proc.is_container_liveness_probe" => k.LivenessProbe,
            _ => k.ReadinessProbe,
        };
        return probe is not null && c.Thread is { } t && t.Image.Exe + (t.Image.Args.Count > 0 ? " " + string.Join(' ', t.Image.Args) : "") == probe;
    }

    /// <summary>
    /// thread.exectime: on a context switch, the time since the previous switch on that CPU (0 for the first);
    /// 0 for every other event. thread.totexectime adds them up per thread. Like sysdig's, the running state
    /// belongs to this bound field and sees the events it is evaluated on.
    /// </summary>
    private static FieldAccessor<Ctx> ExecTime(FieldReference f, bool total)
    {
        var lastSwitch = new Dictionary<int, ulong>();
        var perThread = new Dictionary<long, ulong>();
        return Num(f, c =>
        {
            ulong value = 0;
            if (c.Info.Id is EventIds.Schedswitch1E or EventIds.Schedswitch6E)
            {
                int cpu = c.Raw.Cpu;
                ulong ts = c.Raw.Timestamp;
                if (lastSwitch.TryGetValue(cpu, out ulong last) && last != 0)
                {
                    value = ts - last;
                }

                lastSwitch[cpu] = ts;
            }

            if (!total)
            {
                return (long)value;
            }

            if (c.Thread is not { } t)
            {
                return null;
            }

            value += perThread.GetValueOrDefault(t.Tid);
            perThread[t.Tid] = value;
            return (long)value;
        });
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
