using System.Globalization;
using System.Security.Cryptography;
using k8s;
using k8s.Models;

namespace KForensics.Core.Kubernetes;

/// <summary>
/// Builds the capture pod: a privileged sysdig container pinned to the target's node, writing to an
/// emptyDir, and a small keeper container that holds the emptyDir after sysdig exits so the file can be
/// hashed and copied out over exec.
/// </summary>
public static class CapturePodBuilder
{
    public const string SysdigContainer = "sysdig";
    public const string KeeperContainer = "keeper";
    public const string OutputDirectory = "/capture";
    public const string OutputFileName = "capture.scap.gz";
    public const string OutputPath = OutputDirectory + "/" + OutputFileName;
    private const string HostRoot = "/host";

    /// <summary>Seconds after which the kubelet ends the pod on its own, should the cmdlet's host die before its cleanup runs.</summary>
    public static long DeadlineSeconds(CaptureOptions options) => options.DurationSeconds + options.TimeoutSeconds + 300L;

    /// <summary>The sysdig filter: the user's filter ANDed with the pod's own containers, unless node-wide.</summary>
    public static string? EffectiveFilter(PodTarget target, CaptureOptions options)
    {
        string? user = string.IsNullOrWhiteSpace(options.Filter) ? null : options.Filter.Trim();
        if (options.NodeWide)
        {
            return user;
        }

        if (target.Containers.Count == 0)
        {
            throw new KubeOperationException(KubeFailureKind.PodNotScheduled,
                $"Pod '{target.Name}' in namespace '{target.Namespace}' has no started container to scope the capture to.")
            {
                Remedy = KubeRemedy.CaptureWholeNode,
            };
        }

        string scope = "container.id in (" + string.Join(",", target.Containers.Select(c => c.ShortId).Distinct()) + ")";
        return user is null ? scope : $"({scope}) and ({user})";
    }

    /// <summary>sysdig's command line, without the program name.</summary>
    public static IList<string> SysdigArguments(PodTarget target, CaptureOptions options)
    {
        var args = new List<string>();
        switch (options.Driver)
        {
            case SysdigDriver.ModernEbpf:
                args.Add("--modern-bpf");
                break;
            case SysdigDriver.Ebpf:
                args.Add("--bpf");
                break;
        }

        string? socket = RuntimeSocket(target.Runtime);
        if (socket is not null && target.Runtime != ContainerRuntime.Docker)
        {
            // Docker is found under HOST_ROOT by default; CRI runtimes have to be named.
            args.Add("--cri");
            args.Add(HostRoot + socket);
        }

        args.AddRange(new[]
        {
            "-w", OutputPath, "-z",
            "-M", options.DurationSeconds.ToString(CultureInfo.InvariantCulture),
            "-s", options.SnapLength.ToString(CultureInfo.InvariantCulture),
        });
        string? filter = EffectiveFilter(target, options);
        if (filter is not null)
        {
            args.Add(filter);
        }

        return args;
    }

    internal static V1Pod Build(PodTarget target, CaptureOptions options, string podName)
    {
        IList<string> sysdigArgs = SysdigArguments(target, options);
        var mounts = new List<V1VolumeMount>();
        var volumes = new List<V1Volume>();
        void HostPath(string name, string hostPath, string mountPath, bool readOnly, string? type = null)
        {
            volumes.Add(new V1Volume { Name = name, HostPath = new V1HostPathVolumeSource { Path = hostPath, Type = type } });
            mounts.Add(new V1VolumeMount { Name = name, MountPath = mountPath, ReadOnlyProperty = readOnly });
        }

        HostPath("host-proc", "/proc", HostRoot + "/proc", true);
        HostPath("host-dev", "/dev", HostRoot + "/dev", false);
        HostPath("host-boot", "/boot", HostRoot + "/boot", true);
        HostPath("host-modules", "/lib/modules", HostRoot + "/lib/modules", true);
        HostPath("host-usr", "/usr", HostRoot + "/usr", true);
        HostPath("host-etc", "/etc", HostRoot + "/etc", true);
        HostPath("debugfs", "/sys/kernel/debug", "/sys/kernel/debug", false);
        if (RuntimeSocket(target.Runtime) is string socket)
        {
            HostPath("runtime-socket", socket, HostRoot + socket, false, "Socket");
        }

        volumes.Add(new V1Volume { Name = "capture", EmptyDir = new V1EmptyDirVolumeSource() });
        var output = new V1VolumeMount { Name = "capture", MountPath = OutputDirectory };
        mounts.Add(output);

        var sysdig = new V1Container
        {
            Name = SysdigContainer,
            Image = options.Image,
            ImagePullPolicy = "IfNotPresent",
            Env = new List<V1EnvVar> { new() { Name = "HOST_ROOT", Value = HostRoot } },
            SecurityContext = new V1SecurityContext { Privileged = true },
            VolumeMounts = mounts,
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(options.CpuRequest), ["memory"] = new(options.MemoryRequest) },
                Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(options.CpuLimit), ["memory"] = new(options.MemoryLimit) },
            },
        };
        if (options.Driver == SysdigDriver.ModernEbpf)
        {
            // The modern probe ships inside the binary: skip the entrypoint, which would try to prepare a driver.
            sysdig.Command = new List<string> { "sysdig" };
            sysdig.Args = sysdigArgs;
        }
        else
        {
            sysdig.Args = ["sysdig", .. sysdigArgs];
            if (options.Driver == SysdigDriver.Ebpf)
            {
                sysdig.Env.Add(new V1EnvVar { Name = "SYSDIG_BPF_PROBE", Value = string.Empty });
            }
        }

        var keeper = new V1Container
        {
            Name = KeeperContainer,
            Image = options.Image,
            ImagePullPolicy = "IfNotPresent",
            Command = new List<string> { "sleep", DeadlineSeconds(options).ToString(CultureInfo.InvariantCulture) },
            VolumeMounts = new List<V1VolumeMount> { new() { Name = "capture", MountPath = OutputDirectory, ReadOnlyProperty = true } },
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("16Mi") },
                Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("200m"), ["memory"] = new("64Mi") },
            },
        };

        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = podName,
                NamespaceProperty = target.Namespace,
                Labels = new Dictionary<string, string>
                {
                    [CaptureLabels.ManagedBy] = CaptureLabels.ManagedByValue,
                    [CaptureLabels.Component] = CaptureLabels.ComponentValue,
                    [CaptureLabels.TargetUid] = target.Uid,
                },
                Annotations = new Dictionary<string, string>
                {
                    [CaptureLabels.TargetPod] = target.Name,
                    [CaptureLabels.TargetNamespace] = target.Namespace,
                    [CaptureLabels.CaptureFile] = OutputPath,
                },
            },
            Spec = new V1PodSpec
            {
                NodeName = target.NodeName,
                HostPID = true,
                HostNetwork = true,
                DnsPolicy = "ClusterFirstWithHostNet",
                RestartPolicy = "Never",
                AutomountServiceAccountToken = false,
                ActiveDeadlineSeconds = DeadlineSeconds(options),
                TerminationGracePeriodSeconds = 5,
                Tolerations = target.NodeTaints
                    .Select(t => new V1Toleration { Key = t.Key, OperatorProperty = "Exists", Effect = t.Effect })
                    .ToList(),
                Containers = new List<V1Container> { sysdig, keeper },
                Volumes = volumes,
            },
        };
    }

    /// <summary>The manifest as kubectl's <c>--dry-run=client -o yaml</c> would show it.</summary>
    public static string ToYaml(PodTarget target, CaptureOptions options)
        => KubernetesYaml.Serialize(Build(target, options, NewPodName(target.Name)));

    /// <summary>A pod name from the target's, unique enough for parallel captures and within 63 characters.</summary>
    public static string NewPodName(string targetPod) => NewPodName("kf-capture-", targetPod);

    /// <summary>prefix + stem + a random suffix, within a pod name's 63 characters.</summary>
    internal static string NewPodName(string prefix, string targetPod)
    {
        string suffix = "-" + RandomSuffix(5);
        int room = 63 - prefix.Length - suffix.Length;
        string middle = targetPod.Length > room ? targetPod[..room].TrimEnd('-', '.') : targetPod;
        return prefix + middle.Replace('.', '-') + suffix;
    }

    private static string RandomSuffix(int length)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        Span<char> chars = stackalloc char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }

        return new string(chars);
    }

    private static string? RuntimeSocket(ContainerRuntime runtime) => runtime switch
    {
        ContainerRuntime.Docker => "/var/run/docker.sock",
        ContainerRuntime.Containerd => "/run/containerd/containerd.sock",
        ContainerRuntime.CriO => "/var/run/crio/crio.sock",
        _ => null,
    };
}
