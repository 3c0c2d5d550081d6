using System.Globalization;
using k8s;
using k8s.Models;

namespace KForensics.Core.Kubernetes;

/// <summary>
/// The short-lived pod that reads the kubelet's checkpoints directory on one node: pinned to the node,
/// tolerating its taints, mounting only that directory (read-only unless an archive is to be removed),
/// no service account token, no host namespaces, a sleep as its only process.
/// </summary>
internal static class CheckpointHelperPod
{
    public const string Container = "keeper";
    public const string MountPath = "/checkpoints";
    public const string ComponentValue = "pod-checkpoint";
    public const string DefaultImage = "busybox:1.37";
    public const string DefaultNodeDirectory = "/var/lib/kubelet/checkpoints";

    public static V1Pod Build(string name, string @namespace, string node, IEnumerable<NodeTaint> taints, string nodeDirectory, string image, bool writable,
        int lifetimeSeconds, string? targetPod)
    {
        var annotations = new Dictionary<string, string> { ["kforensics.io/checkpoint-directory"] = nodeDirectory };
        if (targetPod is not null)
        {
            annotations[CaptureLabels.TargetPod] = targetPod;
        }

        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = @namespace,
                Labels = new Dictionary<string, string>
                {
                    [CaptureLabels.ManagedBy] = CaptureLabels.ManagedByValue,
                    [CaptureLabels.Component] = ComponentValue,
                },
                Annotations = annotations,
            },
            Spec = new V1PodSpec
            {
                NodeName = node,
                RestartPolicy = "Never",
                AutomountServiceAccountToken = false,
                ActiveDeadlineSeconds = lifetimeSeconds,
                TerminationGracePeriodSeconds = 1,
                Tolerations = taints.Select(t => new V1Toleration { Key = t.Key, OperatorProperty = "Exists", Effect = t.Effect }).ToList(),
                Containers = new List<V1Container>
                {
                    new()
                    {
                        Name = Container,
                        Image = image,
                        ImagePullPolicy = "IfNotPresent",
                        Command = new List<string> { "sleep", lifetimeSeconds.ToString(CultureInfo.InvariantCulture) },
                        // The archives are root's, mode 0600.
                        SecurityContext = new V1SecurityContext { RunAsUser = 0, AllowPrivilegeEscalation = false, ReadOnlyRootFilesystem = true },
                        VolumeMounts = new List<V1VolumeMount> { new() { Name = "checkpoints", MountPath = MountPath, ReadOnlyProperty = !writable } },
                        Resources = new V1ResourceRequirements
                        {
                            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("16Mi") },
                            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("64Mi") },
                        },
                    },
                },
                Volumes = new List<V1Volume>
                {
                    new() { Name = "checkpoints", HostPath = new V1HostPathVolumeSource { Path = nodeDirectory, Type = "Directory" } },
                },
            },
        };
    }

    public static string NewName(string stem) => CapturePodBuilder.NewPodName("kf-checkpoint-", stem);

    /// <summary>Creates the pod and waits until its container runs; a pod that cannot start is deleted and reported.</summary>
    public static async Task CreateAndWaitAsync(IKubernetes client, V1Pod pod, TimeSpan wait, CancellationToken cancellationToken)
    {
        string name = pod.Metadata.Name;
        string ns = pod.Metadata.NamespaceProperty;
        try
        {
            await client.CoreV1.CreateNamespacedPodAsync(pod, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw KubeOperationException.From(e, $"create helper pod '{name}' in namespace '{ns}' on node {pod.Spec.NodeName}");
        }

        DateTime deadline = DateTime.UtcNow + wait;
        string state = "not yet scheduled";
        while (DateTime.UtcNow < deadline)
        {
            V1Pod current;
            try
            {
                current = await client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw KubeOperationException.From(e, $"read helper pod '{name}' in namespace '{ns}'");
            }

            V1ContainerStatus? status = current.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == Container);
            if (status?.State?.Running is not null)
            {
                return;
            }

            if (current.Status?.Phase is "Failed" or "Succeeded" || status?.State?.Terminated is not null)
            {
                throw new KubeOperationException(KubeFailureKind.CopyFailed,
                    $"Helper pod '{name}' on node {pod.Spec.NodeName} ended before it could read the archive ({status?.State?.Terminated?.Reason ?? current.Status?.Reason ?? current.Status?.Phase}).");
            }

            if (status?.State?.Waiting?.Reason is string reason && reason is "ErrImagePull" or "ImagePullBackOff" or "InvalidImageName" or "CreateContainerConfigError")
            {
                throw new KubeOperationException(KubeFailureKind.CopyFailed,
                    $"Helper pod '{name}' cannot start on node {pod.Spec.NodeName}: {reason} ({status.State.Waiting.Message}); the helper image must be one the node can pull, with sha256sum, tar, ls, stat and rm.")
                {
                    Remedy = KubeRemedy.OtherHelperImage,
                };
            }

            state = status?.State?.Waiting?.Reason ?? current.Status?.Phase ?? state;
            await Task.Delay(300, cancellationToken).ConfigureAwait(false);
        }

        throw new KubeOperationException(KubeFailureKind.Timeout, $"Helper pod '{name}' on node {pod.Spec.NodeName} did not start within {wait.TotalSeconds:0} s ({state}).");
    }

    /// <summary>Deletes the pod with its own time budget (the caller may be cancelled); returns the failure instead of throwing.</summary>
    public static async Task<KubeOperationException?> DeleteAsync(IKubernetes client, string name, string @namespace)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await client.CoreV1.DeleteNamespacedPodAsync(name, @namespace, gracePeriodSeconds: 0, cancellationToken: cts.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (KubeOperationException.From(e, "delete") is { Kind: KubeFailureKind.NotFound })
        {
            return null;
        }
        catch (Exception e)
        {
            return e is OperationCanceledException
                ? new KubeOperationException(KubeFailureKind.Timeout, $"Deleting helper pod '{name}' in namespace '{@namespace}' timed out.", e)
                : KubeOperationException.From(e, $"delete helper pod '{name}' in namespace '{@namespace}'");
        }
    }
}
