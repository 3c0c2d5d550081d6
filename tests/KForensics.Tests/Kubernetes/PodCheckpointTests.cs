using System.Net;
using KForensics.Core.Kubernetes;
using Xunit;

namespace KForensics.Tests.Kubernetes;

/// <summary>The kubelet checkpoint API's answers, told apart; the kubelet's archive names, parsed and made safe.</summary>
public sealed class PodCheckpointTests
{
    private static KubeOperationException Classify(HttpStatusCode status, string body, bool json = false)
        => KubeletCheckpointApi.Classify(status, body, json, "worker-1", "shop", "web-0", "nginx", 120);

    [Fact]
    public void TheItemsAnswerGivesTheArchivePath()
        => Assert.Equal("/var/lib/kubelet/checkpoints/checkpoint-web-0_shop-nginx-2026-12-03T09:15:02Z.tar",
            KubeletCheckpointApi.ParseLocation("{\"items\":[\"/var/lib/kubelet/checkpoints/checkpoint-web-0_shop-nginx-2026-12-03T09:15:02Z.tar\"]}"));

    [Fact]
    public void TheKubeletsOwn404WithoutTheRouteIsTheFeatureGate()
    {
        KubeOperationException e = Classify(HttpStatusCode.NotFound, "404 page not found\n");
        Assert.Equal(KubeFailureKind.CheckpointUnavailable, e.Kind);
        Assert.Contains("ContainerCheckpoint", e.Message);
        Assert.Contains("--feature-gates=ContainerCheckpoint=true", e.Message);
    }

    [Theory]
    [InlineData("pod does not exist", "does not run pod shop/web-0")]
    [InlineData("container nginx does not exist", "has no container 'nginx'")]
    public void A404NamingThePodOrContainerIsNotTheGate(string body, string expected)
    {
        KubeOperationException e = Classify(HttpStatusCode.NotFound, body);
        Assert.Equal(KubeFailureKind.NotFound, e.Kind);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ForbiddenByTheApiServerNamesNodesProxy()
    {
        const string status = "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"nodes \\\"worker-1\\\" is forbidden: User \\\"alice\\\" cannot create resource \\\"nodes/proxy\\\" in API group \\\"\\\" at the cluster scope\",\"reason\":\"Forbidden\",\"code\":403}";
        KubeOperationException e = Classify(HttpStatusCode.Forbidden, status, json: true);
        Assert.Equal(KubeFailureKind.CheckpointForbidden, e.Kind);
        Assert.Contains("nodes/proxy", e.Message);
        Assert.Contains("User \"alice\"", e.Message);
    }

    [Fact]
    public void ForbiddenByTheKubeletNamesTheApiServersIdentityAndNodesCheckpoint()
    {
        KubeOperationException e = Classify(HttpStatusCode.Forbidden, "Forbidden (user=kube-apiserver-kubelet-client, verb=create, resource=nodes, subresource=checkpoint)");
        Assert.Equal(KubeFailureKind.CheckpointForbidden, e.Kind);
        Assert.Contains("kube-apiserver-kubelet-client", e.Message);
        Assert.Contains("nodes/checkpoint", e.Message);
        Assert.Contains("system:kubelet-api-admin", e.Message);
    }

    [Fact]
    public void A500FromARuntimeWithoutTheRpcIsUnavailableNotACriuFailure()
    {
        KubeOperationException e = Classify(HttpStatusCode.InternalServerError,
            "checkpointing of shop/web-0/nginx failed (rpc error: code = Unimplemented desc = method CheckpointContainer not implemented)");
        Assert.Equal(KubeFailureKind.CheckpointUnavailable, e.Kind);
        Assert.Contains("containerd 2.0", e.Message);
    }

    [Fact]
    public void A500WithCriusMessageKeepsIt()
    {
        const string body = "checkpointing of shop/web-0/nginx failed (rpc error: code = Unknown desc = criu failed: type NOTIFY errno 0 path= /run/x/dump.log)";
        KubeOperationException e = Classify(HttpStatusCode.InternalServerError, body);
        Assert.Equal(KubeFailureKind.CheckpointFailed, e.Kind);
        Assert.Contains("criu failed: type NOTIFY errno 0 path= /run/x/dump.log", e.Message);
    }

    [Fact]
    public void ADeadlineExceededIsATimeout()
        => Assert.Equal(KubeFailureKind.Timeout, Classify(HttpStatusCode.InternalServerError,
            "checkpointing of shop/web-0/nginx failed (rpc error: code = DeadlineExceeded desc = context deadline exceeded)").Kind);

    [Fact]
    public void KubeletNamesAreSplitWithTheClustersNamespaces()
    {
        var parsed = NodeCheckpointName.Parse("checkpoint-web-0_kube-shop-nginx-proxy-2026-12-03T09:15:02Z.tar", ["default", "kube-shop"]);
        Assert.NotNull(parsed);
        Assert.Equal("web-0", parsed.Value.Pod);
        Assert.Equal("kube-shop", parsed.Value.Namespace);
        Assert.Equal("nginx-proxy", parsed.Value.Container);
        Assert.Equal(new DateTime(2026, 12, 3, 9, 15, 2, DateTimeKind.Utc), parsed.Value.TimeUtc);
        Assert.Equal(DateTimeKind.Utc, parsed.Value.TimeUtc!.Value.Kind);

        var offset = NodeCheckpointName.Parse("checkpoint-web-0_shop-nginx-2026-12-03T10:15:02+01:00.tar", ["shop"]);
        Assert.Equal(new DateTime(2026, 12, 3, 9, 15, 2, DateTimeKind.Utc), offset!.Value.TimeUtc);

        var unknown = NodeCheckpointName.Parse("checkpoint-web-0_shop-nginx-2026-12-03T09:15:02Z.tar", null);
        Assert.Equal(("web-0", (string?)null, (string?)null), (unknown!.Value.Pod, unknown.Value.Namespace, unknown.Value.Container));
        Assert.Null(NodeCheckpointName.Parse("notes.txt", null));
    }

    [Fact]
    public void LocalNamesHoldNoCharacterWindowsRefuses()
    {
        string local = NodeCheckpointName.LocalName("checkpoint-web-0_shop-nginx-2026-12-03T09:15:02Z.tar");
        Assert.Equal("checkpoint-web-0_shop-nginx-2026-12-03T09-15-02Z.tar", local);
        Assert.DoesNotContain(local, c => Path.GetInvalidFileNameChars().Contains(c) || c is ':' or '<' or '>' or '"' or '|' or '?' or '*' or '\\');
    }

    [Fact]
    public void TheHelperPodMountsOnlyTheCheckpointsDirectoryReadOnlyUnlessRemoving()
    {
        var pod = CheckpointHelperPod.Build("kf-checkpoint-web-0-abcde", "shop", "worker-1", [new NodeTaint("dedicated", "db", "NoSchedule")],
            "/var/lib/kubelet/checkpoints", "busybox:1.37", writable: false, 600, "web-0");
        Assert.Equal("worker-1", pod.Spec.NodeName);
        Assert.False(pod.Spec.AutomountServiceAccountToken);
        Assert.Null(pod.Spec.HostPID);
        Assert.Null(pod.Spec.HostNetwork);
        var volume = Assert.Single(pod.Spec.Volumes);
        Assert.Equal("/var/lib/kubelet/checkpoints", volume.HostPath.Path);
        Assert.True(Assert.Single(Assert.Single(pod.Spec.Containers).VolumeMounts).ReadOnlyProperty);
        Assert.Equal("dedicated", Assert.Single(pod.Spec.Tolerations).Key);

        var rw = CheckpointHelperPod.Build("x", "shop", "worker-1", [], "/var/lib/kubelet/checkpoints", "busybox:1.37", writable: true, 600, null);
        Assert.False(Assert.Single(Assert.Single(rw.Spec.Containers).VolumeMounts).ReadOnlyProperty);
    }
}
