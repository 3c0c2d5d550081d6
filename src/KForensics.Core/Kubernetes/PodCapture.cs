namespace KForensics.Core.Kubernetes;

/// <summary>A finished, verified pod capture on the local disk. <see cref="Path"/> binds to Get-ScapEvent's -Path.</summary>
public sealed class PodCapture
{
    internal PodCapture(PodTarget target, string path, string manifestPath, long bytes, string sha256, DateTime startTimeUtc, DateTime endTimeUtc,
        string? filter, string capturePod, bool capturePodKept, string context)
    {
        Pod = target.Name;
        Namespace = target.Namespace;
        Node = target.NodeName;
        PodUid = target.Uid;
        ContainerIds = target.Containers.Select(c => c.Id).ToArray();
        Path = path;
        ManifestPath = manifestPath;
        Bytes = bytes;
        Sha256 = sha256;
        StartTimeUtc = startTimeUtc;
        EndTimeUtc = endTimeUtc;
        Filter = filter;
        CapturePod = capturePod;
        CapturePodKept = capturePodKept;
        Context = context;
    }

    public string Pod { get; }

    public string Namespace { get; }

    public string Node { get; }

    public string PodUid { get; }

    public IReadOnlyList<string> ContainerIds { get; }

    /// <summary>The .scap.gz file.</summary>
    public string Path { get; }

    /// <summary>The custody manifest (JSON) beside the file.</summary>
    public string ManifestPath { get; }

    public long Bytes { get; }

    public string Sha256 { get; }

    public DateTime StartTimeUtc { get; }

    public DateTime EndTimeUtc { get; }

    /// <summary>The filter sysdig ran with, the container scope included.</summary>
    public string? Filter { get; }

    public string CapturePod { get; }

    /// <summary>True when -KeepCapturePod left the capture pod in the cluster.</summary>
    public bool CapturePodKept { get; }

    public string Context { get; }

    public override string ToString() => Path;
}

/// <summary>
/// What a capture reports while it runs: a step (narrated) or a tick of the countdown; or, with
/// <see cref="CleanupFailure"/>, that the capture pod could not be deleted (the capture itself may still succeed).
/// </summary>
public sealed record CaptureProgress(string Pod, string Namespace, string Message, bool IsStep, int? SecondsLeft, int PercentComplete)
{
    public KubeOperationException? CleanupFailure { get; init; }
}
