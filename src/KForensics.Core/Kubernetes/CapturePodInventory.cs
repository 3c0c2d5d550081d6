using k8s;
using k8s.Models;

namespace KForensics.Core.Kubernetes;

/// <summary>A capture pod still in the cluster (Get-PodCapture's output).</summary>
public sealed class CapturePodInfo
{
    internal CapturePodInfo(V1Pod pod)
    {
        Name = pod.Metadata.Name;
        Namespace = pod.Metadata.NamespaceProperty;
        Node = pod.Spec?.NodeName ?? string.Empty;
        Phase = pod.Status?.Phase ?? "Unknown";
        var annotations = pod.Metadata.Annotations ?? new Dictionary<string, string>();
        TargetPod = annotations.TryGetValue(CaptureLabels.TargetPod, out string? p) ? p : string.Empty;
        TargetNamespace = annotations.TryGetValue(CaptureLabels.TargetNamespace, out string? n) ? n : string.Empty;
        Image = pod.Spec?.Containers?.FirstOrDefault()?.Image ?? string.Empty;
        CreationTimeUtc = pod.Metadata.CreationTimestamp?.ToUniversalTime();
        Uid = pod.Metadata.Uid ?? string.Empty;
    }

    public string Name { get; }

    public string Namespace { get; }

    public string Node { get; }

    public string Phase { get; }

    public string TargetPod { get; }

    public string TargetNamespace { get; }

    public string Image { get; }

    public DateTime? CreationTimeUtc { get; }

    public string Uid { get; }

    public TimeSpan? Age => CreationTimeUtc is DateTime t ? DateTime.UtcNow - t : null;

    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>Finds and removes capture pods by their KForensics labels.</summary>
public static class CapturePodInventory
{
    public static async Task<IReadOnlyList<CapturePodInfo>> ListAsync(IKubernetes client, string? @namespace, CancellationToken cancellationToken)
    {
        V1PodList list;
        try
        {
            list = @namespace is null
                ? await client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: CaptureLabels.Selector, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await client.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: CaptureLabels.Selector, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw KubeOperationException.From(e, @namespace is null ? "list capture pods in all namespaces" : $"list capture pods in namespace '{@namespace}'");
        }

        return (list.Items ?? new List<V1Pod>()).Select(p => new CapturePodInfo(p)).ToList();
    }

    /// <summary>Reads a pod and refuses unless it carries the capture labels, so a typo cannot delete a workload.</summary>
    public static async Task<CapturePodInfo> GetAsync(IKubernetes client, string name, string @namespace, CancellationToken cancellationToken)
    {
        V1Pod pod;
        try
        {
            pod = await client.CoreV1.ReadNamespacedPodAsync(name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw KubeOperationException.From(e, $"read capture pod '{name}' in namespace '{@namespace}'");
        }

        var labels = pod.Metadata.Labels ?? new Dictionary<string, string>();
        if (!labels.TryGetValue(CaptureLabels.ManagedBy, out string? by) || by != CaptureLabels.ManagedByValue
            || !labels.TryGetValue(CaptureLabels.Component, out string? component) || component != CaptureLabels.ComponentValue)
        {
            throw new KubeOperationException(KubeFailureKind.NotACapturePod, $"Pod '{name}' in namespace '{@namespace}' is not a KForensics capture pod; it was left alone.");
        }

        return new CapturePodInfo(pod);
    }

    public static async Task DeleteAsync(IKubernetes client, string name, string @namespace, CancellationToken cancellationToken)
    {
        try
        {
            await client.CoreV1.DeleteNamespacedPodAsync(name, @namespace, gracePeriodSeconds: 0, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw KubeOperationException.From(e, $"delete capture pod '{name}' in namespace '{@namespace}'");
        }
    }
}
