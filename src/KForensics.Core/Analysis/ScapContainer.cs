using KForensics.Core.Scap.Format;

namespace KForensics.Core.Analysis;

/// <summary>
/// One container of a capture (or the host), with what sysdig's lscontainers prints about it, its
/// Kubernetes pod, and the activity topcontainers_file, topcontainers_net and topcontainers_error count.
/// </summary>
public sealed class ScapContainer
{
    internal ScapContainer(string source, string id, ContainerTotals t)
    {
        Source = source;
        Id = id;
        Name = t.Name;
        Type = t.Type;
        Image = t.Image;
        ImageRepository = t.ImageRepository;
        ImageTag = t.ImageTag;
        ImageDigest = t.ImageDigest;
        ImageId = t.ImageId;
        IpAddress = t.IpAddress;
        Privileged = t.Privileged;
        PodName = t.PodName;
        Namespace = t.Namespace;
        Processes = t.Processes;
        Threads = t.Threads;
        Events = t.Events;
        FileBytes = t.FileBytes;
        NetBytes = t.NetBytes;
        Errors = t.Errors;
        FirstTime = t.First is { } first ? ScapTime.ToDateTime(first) : null;
        LastTime = t.Last is { } last ? ScapTime.ToDateTime(last) : null;
    }

    /// <summary>The capture file.</summary>
    public string Source { get; }

    /// <summary>container.id: 12 hex characters, or <c>host</c> for the processes outside containers.</summary>
    public string Id { get; }

    /// <summary>container.name; null when the capture knows the container only by its id (from a process's cgroups).</summary>
    public string? Name { get; }

    /// <summary>container.type: docker, cri, containerd, cri-o, ... or host.</summary>
    public string? Type { get; }

    /// <summary>container.image as the runtime named it, e.g. nginx:1.10.</summary>
    public string? Image { get; }

    /// <summary>container.image.repository, where the capture states it.</summary>
    public string? ImageRepository { get; }

    /// <summary>container.image.tag, where the capture states it.</summary>
    public string? ImageTag { get; }

    /// <summary>container.image.digest, where the capture states it.</summary>
    public string? ImageDigest { get; }

    /// <summary>container.image.id, where the capture states it.</summary>
    public string? ImageId { get; }

    /// <summary>The container's own address, where the capture states it.</summary>
    public string? IpAddress { get; }

    /// <summary>container.privileged, where the capture states it.</summary>
    public bool? Privileged { get; }

    /// <summary>k8s.pod.name: from the container's labels or the capture's Kubernetes events.</summary>
    public string? PodName { get; }

    /// <summary>k8s.ns.name.</summary>
    public string? Namespace { get; }

    /// <summary>Distinct processes (proc.pid) with events in the container.</summary>
    public int Processes { get; }

    /// <summary>Distinct threads (thread.tid) with events in the container.</summary>
    public int Threads { get; }

    /// <summary>The events sysdig prints for the container (with -Filter, those that pass it).</summary>
    public long Events { get; }

    /// <summary>Bytes read from and written to files, as topcontainers_file sums them.</summary>
    public long FileBytes { get; }

    /// <summary>Bytes read from and written to IPv4/IPv6 sockets, as topcontainers_net sums them.</summary>
    public long NetBytes { get; }

    /// <summary>Events that returned an error, as topcontainers_error counts them.</summary>
    public long Errors { get; }

    /// <summary>Time of the container's first event (UTC); null without events.</summary>
    public DateTime? FirstTime { get; }

    /// <summary>Time of the container's last event (UTC).</summary>
    public DateTime? LastTime { get; }

    public override string ToString() => Name is null || Name == Id ? Id : $"{Id} ({Name})";
}

/// <summary>What a <see cref="ContainerAggregator"/> gathers for one container.</summary>
internal sealed class ContainerTotals
{
    public string? Name { get; set; }

    public string? Type { get; set; }

    public string? Image { get; set; }

    public string? ImageRepository { get; set; }

    public string? ImageTag { get; set; }

    public string? ImageDigest { get; set; }

    public string? ImageId { get; set; }

    public string? IpAddress { get; set; }

    public bool? Privileged { get; set; }

    public string? PodName { get; set; }

    public string? Namespace { get; set; }

    public int Processes { get; set; }

    public int Threads { get; set; }

    public long Events { get; set; }

    public long FileBytes { get; set; }

    public long NetBytes { get; set; }

    public long Errors { get; set; }

    public ulong? First { get; set; }

    public ulong? Last { get; set; }
}
