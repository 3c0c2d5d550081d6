using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using KForensics.Core.Filtering;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.State;
using Ctx = KForensics.Core.Scap.Fields.ScapFilterContext;

namespace KForensics.Core.Scap.Fields;

public sealed partial class ScapFieldBinder
{
    private static readonly string[] ContainerTypes = ["docker", "lxc", "libvirt-lxc", "mesos", "rkt", "custom", "cri", "containerd", "cri-o", "bpm"];

    private static FieldAccessor<Ctx>? BindContainer(FieldReference f)
    {
        switch (f.Field.Name)
        {
            case "container.id": return Str(f, c => c.Thread is null ? null : ContainerIdOf(c));
            case "container.name": return Str(f, c => Described(c)?.Name);
            case "container.image": return Str(f, c => Described(c) is { Image.Length: > 0 } k ? k.Image : null);
            case "container.image.id": return Str(f, c => Described(c) is { ImageId.Length: > 0 } k ? k.ImageId : null);
            case "container.type": return Str(f, c => Described(c) is { } k ? ContainerTypeName(k) : null);
            case "container.privileged": return Flag(f, c => Described(c) is { } k && k.Id != "host" ? k.Privileged : null);
            case "container.image.repository": return Str(f, c => NonEmpty(Described(c)?.ImageRepository));
            case "container.image.tag": return Str(f, c => NonEmpty(Described(c)?.ImageTag));
            case "container.image.digest": return Str(f, c => NonEmpty(Described(c)?.ImageDigest));
            case "container.label":
            {
                string key = f.Argument ?? string.Empty;
                return Str(f, c => Described(c)?.Labels.TryGetValue(key, out string? v) == true ? v : null);
            }

            case "container.start_ts": return Num(f, c => c.Thread is { ContainerId.Length: > 0, PidnsInitStartTs: > 0 } t ? (long)t.PidnsInitStartTs : null);
            case "container.duration":
                return Num(f, c => c.Thread is { ContainerId.Length: > 0, CloneTs: > 0 } t ? unchecked((long)(c.Raw.Timestamp - t.PidnsInitStartTs)) : null);
            case "container.mounts": return Str(f, c => InContainer(c) is { } k ? string.Join(',', k.Mounts) : null);
            case "container.mount" or "container.mount.source" or "container.mount.dest" or "container.mount.mode"
                or "container.mount.rdwr" or "container.mount.propagation":
            {
                Func<ContainerMount, string> part = f.Field.Name switch
                {
                    "container.mount.source" => m => m.Source,
                    "container.mount.dest" => m => m.Destination,
                    "container.mount.mode" => m => m.Mode,
                    "container.mount.rdwr" => m => m.ReadWrite ? "true" : "false",
                    "container.mount.propagation" => m => m.Propagation,
                    _ => m => m.ToString(),
                };
                int? index = f.Index;
                GlobPattern? dest = f.Argument is { } a ? new GlobPattern(a, ignoreCase: false) : null;
                return Str(f, c => InContainer(c) is { } k && FindMount(k, index, dest) is { } m ? part(m) : null);
            }

            case "container.healthcheck": return Str(f, c => InContainer(c) is { } k ? NoneIfEmpty(k.HealthCheck) : null);
            case "container.liveness_probe": return Str(f, c => InContainer(c) is { } k ? NoneIfEmpty(k.LivenessProbe) : null);
            case "container.readiness_probe": return Str(f, c => InContainer(c) is { } k ? NoneIfEmpty(k.ReadinessProbe) : null);
            case "container.labels": return Str(f, c => Described(c) is { Labels.Count: > 0 } k ? string.Join(',', k.Labels.Select(l => l.Key + ":" + l.Value)) : null);
            default: return null;
        }
    }

    private static FieldAccessor<Ctx>? BindK8s(FieldReference f)
    {
        switch (f.Field.Name)
        {
            case "k8s.pod.name": return Str(f, c => Described(c)?.PodName ?? Pod(c)?.Name);
            case "k8s.ns.name": return Str(f, c => Described(c)?.Namespace ?? Pod(c)?.Namespace);
            case "k8s.pod.id": return Str(f, c => Described(c)?.PodUid ?? Pod(c)?.Uid);
            case "k8s.pod.label":
            {
                string key = f.Argument ?? string.Empty;
                return Str(f, c => PodLabels(c)?.TryGetValue(key, out string? v) == true ? v : null);
            }

            case "k8s.pod.labels": return Str(f, c => PodLabels(c) is { Count: > 0 } l ? string.Join(", ", l.Select(x => x.Key + ":" + x.Value)) : null);
            default:
                // Deployments, services, replica sets and the rest come from the API server, which a
                // capture read offline does not have: as in sysdig, these fields never have a value.
                return f.Field.Name.StartsWith("k8s.", StringComparison.Ordinal) ? Str(f, _ => null) : null;
        }
    }

    /// <summary>A described container other than the host (mounts and probes have no value on the host).</summary>
    private static ContainerInfo? InContainer(Ctx c) => Described(c) is { } k && k.Id != ContainerInfo.Host.Id ? k : null;

    private static string NoneIfEmpty(string? probe) => string.IsNullOrEmpty(probe) ? "NONE" : probe;

    /// <summary>container.mount*[N] by position, container.mount*[PATH] by destination (a glob: the first mount that matches).</summary>
    private static ContainerMount? FindMount(ContainerInfo k, int? index, GlobPattern? dest)
    {
        if (index is int i)
        {
            return i >= 0 && i < k.Mounts.Count ? k.Mounts[i] : null;
        }

        foreach (ContainerMount m in k.Mounts)
        {
            if (dest is not null && dest.IsMatch(m.Destination))
            {
                return m;
            }
        }

        return null;
    }

    /// <summary>container.type of a described container: "host", "docker", "cri-o", ...</summary>
    internal static string? ContainerTypeName(ContainerInfo k)
        => k.Id == "host" ? "host" : (uint)k.Type < (uint)ContainerTypes.Length ? ContainerTypes[k.Type] : null;

    /// <summary>The container a container event described (null when only its id is known, or outside containers).</summary>
    private static ContainerInfo? Described(Ctx c) => c.Container is { IsIdOnly: false } k ? k : null;

    /// <summary>The pod the capture's k8s state events put this event's container in.</summary>
    private static PodInfo? Pod(Ctx c) => c.Thread is { ContainerId.Length: > 0 } t ? c.State.Pods.FindByContainer(t.ContainerId) : null;

    /// <summary>Labels of the pod: from the k8s state events, else those of its sandbox container.</summary>
    private static IReadOnlyDictionary<string, string>? PodLabels(Ctx c)
    {
        if (Pod(c) is { } fromEvents)
        {
            return fromEvents.Labels;
        }

        if (Described(c) is not { } k)
        {
            return null;
        }

        if (k.Labels.TryGetValue("io.kubernetes.sandbox.id", out string? sandbox) && sandbox.Length >= 12
            && c.State.Containers.Find(sandbox[..12]) is { } pod)
        {
            return pod.Labels;
        }

        return k.PodName is null ? null : k.Labels;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static FieldAccessor<Ctx>? BindFdList(FieldReference f)
    {
        Func<FdInfo?, long, string?> pick = f.Field.Name switch
        {
            "fdlist.nums" => (_, fd) => fd.ToString(CultureInfo.InvariantCulture),
            "fdlist.names" => (info, _) => info is { Name.Length: > 0 } i ? i.Name : "<NA>",
            "fdlist.cips" => (info, _) => info is { Type: ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock } i ? i.SourceIp?.ToString() : null,
            "fdlist.sips" => (info, _) => info is { IsIpSocket: true } i ? ListedServerAddress(i) : null,
            "fdlist.cports" => (info, _) => info is { Type: ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock } i ? i.SourcePort.ToString(CultureInfo.InvariantCulture) : null,
            "fdlist.sports" => (info, _) => info is { Type: ScapFdType.Ipv4Sock or ScapFdType.Ipv6Sock } i ? i.DestPort.ToString(CultureInfo.InvariantCulture) : null,
            _ => (_, _) => null,
        };

        return Str(f, c => FdList(c, pick));
    }

    /// <summary>
    /// fdlist.sips of one fd: the server address; sinsp prints an IPv6 listening socket's address as IPv4,
    /// from its first four bytes.
    /// </summary>
    private static string? ListedServerAddress(FdInfo fd)
    {
        if (fd.DestIp is not { } ip)
        {
            return null;
        }

        return fd.Type == ScapFdType.Ipv6ServSock ? new System.Net.IPAddress(ip.GetAddressBytes().AsSpan(0, 4)).ToString() : ip.ToString();
    }

    /// <summary>The fds of a poll/ppoll event, picked and joined with commas as sysdig prints them.</summary>
    private static string? FdList(Ctx c, Func<FdInfo?, long, string?> pick)
    {
        if (c.Info.Id is not (EventIds.SyscallPollE or EventIds.SyscallPollX or EventIds.SyscallPpollE or EventIds.SyscallPpollX)
            || c.Thread is not { } t)
        {
            return null;
        }

        int index = Find(c.Info, "fds");
        RawEvent raw = c.Raw;
        if (index < 0 || index >= raw.ParamCount || raw.GetParam(index) is not { Length: >= 2 } p)
        {
            return null;
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(p);
        var text = new StringBuilder();
        for (int i = 0; i < count && 2 + (i * 10) + 10 <= p.Length; i++)
        {
            long fd = BinaryPrimitives.ReadInt64LittleEndian(p[(2 + (i * 10))..]);
            if (pick(c.State.Threads.GetFd(t, fd), fd) is { } value)
            {
                if (text.Length > 0)
                {
                    text.Append(',');
                }

                text.Append(value);
            }
        }

        return text.Length > 0 ? text.ToString() : null;
    }
}
