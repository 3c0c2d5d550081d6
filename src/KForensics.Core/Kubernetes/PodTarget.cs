namespace KForensics.Core.Kubernetes;

/// <summary>The container runtime a container id names (the scheme of status.containerStatuses[].containerID).</summary>
public enum ContainerRuntime
{
    Unknown,
    Docker,
    Containerd,
    CriO,
}

/// <summary>One container of the pod to capture, as the kubelet reports it.</summary>
public sealed class TargetContainer
{
    public TargetContainer(string name, string id, ContainerRuntime runtime, string image, string imageId, bool isInit = false, bool isRunning = true)
    {
        IsInit = isInit;
        IsRunning = isRunning;
        Name = name;
        Id = id;
        Runtime = runtime;
        Image = image;
        ImageId = imageId;
    }

    public string Name { get; }

    /// <summary>The full id without the runtime scheme (64 hex digits on all three runtimes).</summary>
    public string Id { get; }

    /// <summary>The id as sysdig's <c>container.id</c> shows it: the first 12 characters.</summary>
    public string ShortId => Id.Length > 12 ? Id[..12] : Id;

    public ContainerRuntime Runtime { get; }

    /// <summary>An init container (it has usually finished).</summary>
    public bool IsInit { get; }

    /// <summary>The kubelet reports it running.</summary>
    public bool IsRunning { get; }

    public string Image { get; }

    public string ImageId { get; }

    /// <summary>Splits <c>containerd://abc...</c> into the runtime and the bare id.</summary>
    public static (ContainerRuntime Runtime, string Id) ParseContainerId(string? containerId)
    {
        if (string.IsNullOrEmpty(containerId))
        {
            return (ContainerRuntime.Unknown, string.Empty);
        }

        int sep = containerId.IndexOf("://", StringComparison.Ordinal);
        if (sep < 0)
        {
            return (ContainerRuntime.Unknown, containerId);
        }

        string scheme = containerId[..sep].ToLowerInvariant();
        string id = containerId[(sep + 3)..];
        ContainerRuntime runtime = scheme switch
        {
            "docker" => ContainerRuntime.Docker,
            "containerd" => ContainerRuntime.Containerd,
            "cri-o" or "crio" => ContainerRuntime.CriO,
            _ => ContainerRuntime.Unknown,
        };
        return (runtime, id);
    }
}

/// <summary>A pod resolved for capture: where it runs and which containers it has.</summary>
public sealed class PodTarget
{
    public PodTarget(string name, string @namespace, string uid, string nodeName, IReadOnlyList<TargetContainer> containers, IReadOnlyList<NodeTaint> nodeTaints)
    {
        Name = name;
        Namespace = @namespace;
        Uid = uid;
        NodeName = nodeName;
        Containers = containers;
        NodeTaints = nodeTaints;
    }

    public string Name { get; }

    public string Namespace { get; }

    public string Uid { get; }

    public string NodeName { get; }

    /// <summary>Containers that have started (and so have an id); init containers included.</summary>
    public IReadOnlyList<TargetContainer> Containers { get; }

    public IReadOnlyList<NodeTaint> NodeTaints { get; }

    /// <summary>The runtime of the node, from the pod's own container ids.</summary>
    public ContainerRuntime Runtime => Containers.Select(c => c.Runtime).FirstOrDefault(r => r != ContainerRuntime.Unknown);
}

/// <summary>A taint of the target's node, tolerated by the capture pod so it can be scheduled there.</summary>
public sealed record NodeTaint(string Key, string? Value, string Effect);
