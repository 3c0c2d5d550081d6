namespace KForensics.Core.Scap.State;

/// <summary>One container as the capture describes it (container events), with its Kubernetes pod from the labels.</summary>
internal sealed class ContainerInfo
{
    public ContainerInfo(string id, string name, string image, IReadOnlyDictionary<string, string> labels)
    {
        Id = id;
        Name = name;
        Image = image;
        Labels = labels;
        PodName = labels.TryGetValue("io.kubernetes.pod.name", out string? pod) ? pod : null;
        Namespace = labels.TryGetValue("io.kubernetes.pod.namespace", out string? ns) ? ns : null;
        PodUid = labels.TryGetValue("io.kubernetes.pod.uid", out string? uid) ? uid : null;
    }

    /// <summary>The host: what container.* fields say outside any container.</summary>
    public static ContainerInfo Host { get; } = new("host", "host", "", new Dictionary<string, string>());

    /// <summary>container.id: the first 12 hex characters, or <c>host</c>.</summary>
    public string Id { get; }

    public string Name { get; }

    public string Image { get; }

    public string ImageId { get; init; } = "";

    /// <summary>container.image.repository / .tag / .digest, as the container event states them.</summary>
    public string ImageRepository { get; init; } = "";

    public string ImageTag { get; init; } = "";

    public string ImageDigest { get; init; } = "";

    /// <summary>The container's own address (sysdig counts it as local when deciding fd.lip/fd.rip).</summary>
    public System.Net.IPAddress? Ip { get; init; }

    /// <summary>Container type as the event stores it (0 docker, …).</summary>
    public int Type { get; init; }

    public bool Privileged { get; init; }

    /// <summary>container.mounts: the mounts the container event lists, in its order.</summary>
    public IReadOnlyList<ContainerMount> Mounts { get; init; } = [];

    /// <summary>container.healthcheck, .liveness_probe, .readiness_probe: the probe command, null when none is configured.</summary>
    public string? HealthCheck { get; init; }

    public string? LivenessProbe { get; init; }

    public string? ReadinessProbe { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>k8s.pod.name, from the label <c>io.kubernetes.pod.name</c>.</summary>
    public string? PodName { get; }

    /// <summary>k8s.ns.name, from the label <c>io.kubernetes.pod.namespace</c>.</summary>
    public string? Namespace { get; }

    public string? PodUid { get; }

    /// <summary>The event says the metadata lookup succeeded (sysdig hides the event otherwise).</summary>
    public bool LookupSuccessful { get; init; } = true;

    /// <summary>Known only by its id (from cgroups): no container event described it.</summary>
    public bool IsIdOnly { get; init; }

    public override string ToString() => Id == "host" ? "host" : Id + " (" + Name + ")";
}

/// <summary>One mount of a container (container.mount.*).</summary>
internal sealed record ContainerMount(string Source, string Destination, string Mode, bool ReadWrite, string Propagation)
{
    /// <summary>What container.mount[...] prints: source:dest:mode:rdwr:propagation.</summary>
    public override string ToString() => $"{Source}:{Destination}:{Mode}:{(ReadWrite ? "true" : "false")}:{Propagation}";
}
