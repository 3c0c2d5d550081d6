using System.Net;
using k8s.Autorest;
using KForensics.Core.Evidence;
using KForensics.Core.Kubernetes;
using Xunit;

namespace KForensics.Tests.Kubernetes;

public class CapturePodBuilderTests
{
    private static readonly string IdA = new string('a', 52) + "0123456789ab";
    private static readonly string IdB = "0123456789ab" + new string('b', 52);

    private static PodTarget Target(string scheme = "containerd") => new(
        "web-0", "shop", "uid-1", "node-1",
        new[]
        {
            new TargetContainer("nginx", IdA, TargetContainer.ParseContainerId($"{scheme}://{IdA}").Runtime, "nginx:1.25", "sha256:1"),
            new TargetContainer("sidecar", IdB, TargetContainer.ParseContainerId($"{scheme}://{IdB}").Runtime, "envoy:1.30", "sha256:2"),
        },
        new[] { new NodeTaint("dedicated", "web", "NoSchedule") });

    [Theory]
    [InlineData("docker://abc", ContainerRuntime.Docker, "abc")]
    [InlineData("containerd://abc", ContainerRuntime.Containerd, "abc")]
    [InlineData("cri-o://abc", ContainerRuntime.CriO, "abc")]
    [InlineData("rkt://abc", ContainerRuntime.Unknown, "abc")]
    [InlineData("abc", ContainerRuntime.Unknown, "abc")]
    [InlineData("", ContainerRuntime.Unknown, "")]
    public void Parses_the_runtime_from_the_container_id_scheme(string containerId, ContainerRuntime runtime, string id)
    {
        var parsed = TargetContainer.ParseContainerId(containerId);
        Assert.Equal(runtime, parsed.Runtime);
        Assert.Equal(id, parsed.Id);
    }

    [Fact]
    public void Scopes_the_filter_to_the_short_container_ids_and_ands_the_users_filter()
    {
        Assert.Equal($"container.id in ({IdA[..12]},{IdB[..12]})", CapturePodBuilder.EffectiveFilter(Target(), new CaptureOptions()));
        Assert.Equal($"(container.id in ({IdA[..12]},{IdB[..12]})) and (evt.type=open or evt.type=openat)",
            CapturePodBuilder.EffectiveFilter(Target(), new CaptureOptions { Filter = " evt.type=open or evt.type=openat " }));
        Assert.Null(CapturePodBuilder.EffectiveFilter(Target(), new CaptureOptions { NodeWide = true }));
        Assert.Equal("proc.name=nginx", CapturePodBuilder.EffectiveFilter(Target(), new CaptureOptions { NodeWide = true, Filter = "proc.name=nginx" }));
    }

    [Fact]
    public void A_pod_without_started_containers_cannot_be_scoped()
    {
        var target = new PodTarget("p", "ns", "u", "n", Array.Empty<TargetContainer>(), Array.Empty<NodeTaint>());
        var e = Assert.Throws<KubeOperationException>(() => CapturePodBuilder.EffectiveFilter(target, new CaptureOptions()));
        Assert.Equal(KubeFailureKind.PodNotScheduled, e.Kind);
    }

    [Theory]
    [InlineData(SysdigDriver.ModernEbpf, "containerd", "--modern-bpf --cri /host/run/containerd/containerd.sock -w /capture/capture.scap.gz -z -M 30 -s 256")]
    [InlineData(SysdigDriver.Ebpf, "cri-o", "--bpf --cri /host/var/run/crio/crio.sock -w /capture/capture.scap.gz -z -M 30 -s 256")]
    [InlineData(SysdigDriver.KernelModule, "docker", "-w /capture/capture.scap.gz -z -M 30 -s 256")]
    public void Builds_sysdigs_command_line_for_driver_and_runtime(SysdigDriver driver, string scheme, string expected)
    {
        var args = CapturePodBuilder.SysdigArguments(Target(scheme), new CaptureOptions { Driver = driver, DurationSeconds = 30, SnapLength = 256 });
        Assert.Equal(expected + $" container.id in ({IdA[..12]},{IdB[..12]})", string.Join(' ', args));
    }

    [Fact]
    public void The_pod_is_privileged_pinned_labelled_and_ends_on_its_own()
    {
        var pod = CapturePodBuilder.Build(Target(), new CaptureOptions { DurationSeconds = 60, TimeoutSeconds = 100 }, "kf-capture-web-0-abcde");
        Assert.Equal("node-1", pod.Spec.NodeName);
        Assert.True(pod.Spec.HostPID);
        Assert.Equal(460, pod.Spec.ActiveDeadlineSeconds);
        Assert.False(pod.Spec.AutomountServiceAccountToken);
        Assert.True(pod.Spec.Containers[0].SecurityContext.Privileged);
        Assert.Null(pod.Spec.Containers[1].SecurityContext);
        Assert.Equal(CaptureLabels.ManagedByValue, pod.Metadata.Labels[CaptureLabels.ManagedBy]);
        var toleration = Assert.Single(pod.Spec.Tolerations);
        Assert.Equal(("dedicated", "Exists", "NoSchedule"), (toleration.Key, toleration.OperatorProperty, toleration.Effect));
        Assert.Contains(pod.Spec.Volumes, v => v.HostPath?.Path == "/run/containerd/containerd.sock" && v.HostPath.Type == "Socket");
        Assert.Contains(pod.Spec.Volumes, v => v.Name == "capture" && v.EmptyDir is not null);
    }

    [Fact]
    public void Pod_names_fit_in_63_characters_and_differ()
    {
        string longName = new string('x', 80) + ".y";
        string a = CapturePodBuilder.NewPodName(longName), b = CapturePodBuilder.NewPodName(longName);
        Assert.True(a.Length <= 63, a);
        Assert.StartsWith("kf-capture-xxx", a, StringComparison.Ordinal);
        Assert.NotEqual(a, b);
        Assert.Matches("^kf-capture-web-0-[a-z0-9]{5}$", CapturePodBuilder.NewPodName("web-0"));
    }

    [Theory]
    [InlineData("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  /capture/capture.scap.gz\n", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    [InlineData("\\9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08  /x\\ny\n", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    [InlineData("sha256sum: /capture/capture.scap.gz: No such file or directory\n", null)]
    [InlineData("", null)]
    public void Reads_sha256sum_output(string output, string? expected) => Assert.Equal(expected, EvidenceHash.ParseSha256Sum(output));

    [Theory]
    [InlineData(HttpStatusCode.NotFound, KubeFailureKind.NotFound)]
    [InlineData(HttpStatusCode.Forbidden, KubeFailureKind.Forbidden)]
    [InlineData(HttpStatusCode.Unauthorized, KubeFailureKind.Unauthorized)]
    [InlineData(HttpStatusCode.Conflict, KubeFailureKind.ApiError)]
    public void Classifies_api_errors_by_status_and_keeps_the_servers_message(HttpStatusCode status, KubeFailureKind kind)
    {
        var http = new HttpOperationException("Operation returned an invalid status code")
        {
            Response = new HttpResponseMessageWrapper(new HttpResponseMessage(status), "{\"kind\":\"Status\",\"message\":\"pods is forbidden: nope\"}"),
        };
        var e = KubeOperationException.From(http, "create pod x");
        Assert.Equal(kind, e.Kind);
        Assert.Contains("pods is forbidden: nope", e.Message, StringComparison.Ordinal);
        Assert.Same(http, e.InnerException);
    }

    [Fact]
    public void Classifies_a_refused_connection()
    {
        var e = KubeOperationException.From(new HttpRequestException("refused", new System.Net.Sockets.SocketException(111)), "read pod x");
        Assert.Equal(KubeFailureKind.ConnectionFailed, e.Kind);
    }

    [Fact]
    public void The_custody_manifest_round_trips_through_json()
    {
        var m = new CustodyManifest
        {
            Kind = "PodCapture",
            StartTimeUtc = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            File = new ManifestFile { Name = "capture-web-0-20260102T030405Z.scap.gz", Bytes = 42, Sha256 = "ab", Sha256AtSource = "ab" },
            Source = new Dictionary<string, object?> { ["pod"] = "web-0" },
        };
        string json = m.ToJson();
        Assert.Contains("\"startTimeUtc\": \"2026-01-02T03:04:05Z\"", json, StringComparison.Ordinal);
        var back = CustodyManifest.FromJson(json);
        Assert.Equal(m.File.Name, back.File.Name);
        Assert.Equal(42, back.File.Bytes);
        Assert.Equal(m.StartTimeUtc, back.StartTimeUtc);
    }
}
