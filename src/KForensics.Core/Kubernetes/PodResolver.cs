using k8s;
using k8s.Models;

namespace KForensics.Core.Kubernetes;

/// <summary>Finds the pods to capture (by name or label selector) and what the capture pod needs to know about them.</summary>
public static class PodResolver
{
    public static async Task<PodTarget> ResolveAsync(IKubernetes client, string name, string @namespace, CancellationToken cancellationToken)
    {
        V1Pod pod;
        try
        {
            pod = await client.CoreV1.ReadNamespacedPodAsync(name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw KubeOperationException.From(e, $"read pod '{name}' in namespace '{@namespace}'");
        }

        return await ToTargetAsync(client, pod, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every pod the selector matches; none is an error, since a capture of nothing is never what was meant.</summary>
    public static async Task<IReadOnlyList<PodTarget>> ResolveSelectorAsync(IKubernetes client, string selector, string @namespace, CancellationToken cancellationToken)
    {
        V1PodList list;
        try
        {
            list = await client.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw KubeOperationException.From(e, $"list pods matching '{selector}' in namespace '{@namespace}'");
        }

        if (list.Items is null || list.Items.Count == 0)
        {
            throw new KubeOperationException(KubeFailureKind.NoPodMatched, $"No pod in namespace '{@namespace}' matches the selector '{selector}'.");
        }

        var targets = new List<PodTarget>();
        foreach (V1Pod pod in list.Items)
        {
            targets.Add(await ToTargetAsync(client, pod, cancellationToken).ConfigureAwait(false));
        }

        return targets;
    }

    private static async Task<PodTarget> ToTargetAsync(IKubernetes client, V1Pod pod, CancellationToken cancellationToken)
    {
        string name = pod.Metadata.Name;
        string ns = pod.Metadata.NamespaceProperty;
        string? node = pod.Spec?.NodeName;
        if (string.IsNullOrEmpty(node))
        {
            throw new KubeOperationException(KubeFailureKind.PodNotScheduled,
                $"Pod '{name}' in namespace '{ns}' is not scheduled on a node (phase {pod.Status?.Phase ?? "unknown"}), so there is nothing to capture yet.");
        }

        var containers = new List<TargetContainer>();
        IEnumerable<(V1ContainerStatus Status, bool Init)> statuses = (pod.Status?.InitContainerStatuses ?? new List<V1ContainerStatus>()).Select(s => (s, true))
            .Concat((pod.Status?.ContainerStatuses ?? new List<V1ContainerStatus>()).Select(s => (s, false)));
        foreach (var (s, init) in statuses)
        {
            var (runtime, id) = TargetContainer.ParseContainerId(s.ContainerID);
            if (id.Length > 0)
            {
                containers.Add(new TargetContainer(s.Name, id, runtime, s.Image ?? string.Empty, s.ImageID ?? string.Empty, init, s.State?.Running is not null));
            }
        }

        V1Node nodeObject;
        try
        {
            nodeObject = await client.CoreV1.ReadNodeAsync(node, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw KubeOperationException.From(e, $"read node '{node}' of pod '{name}'");
        }

        var taints = (nodeObject.Spec?.Taints ?? new List<V1Taint>())
            .Select(t => new NodeTaint(t.Key, t.Value, t.Effect))
            .ToList();
        return new PodTarget(name, ns, pod.Metadata.Uid ?? string.Empty, node, containers, taints);
    }
}
