namespace KForensics.Core.Kubernetes;

/// <summary>How sysdig reaches the kernel.</summary>
public enum SysdigDriver
{
    /// <summary>The CO-RE modern eBPF probe built into sysdig: nothing to compile or download on the node.</summary>
    ModernEbpf,

    /// <summary>The classic eBPF probe, prepared by the image's entrypoint.</summary>
    Ebpf,

    /// <summary>The kernel module, prepared by the image's entrypoint.</summary>
    KernelModule,
}

/// <summary>Everything that shapes one capture; the defaults are the cmdlet's defaults.</summary>
public sealed class CaptureOptions
{
    /// <summary>A pinned sysdig release, so the same command captures with the same code every time.</summary>
    public const string DefaultImage = "sysdig/sysdig:0.40.1";

    public int DurationSeconds { get; init; } = 120;

    /// <summary>Seconds to wait, beyond the duration, for the pod to start and sysdig to finish.</summary>
    public int TimeoutSeconds { get; init; } = 300;

    public string? Filter { get; init; }

    public bool NodeWide { get; init; }

    public int SnapLength { get; init; } = 80;

    public SysdigDriver Driver { get; init; } = SysdigDriver.ModernEbpf;

    public string Image { get; init; } = DefaultImage;

    public string CpuRequest { get; init; } = "250m";

    public string MemoryRequest { get; init; } = "256Mi";

    public string CpuLimit { get; init; } = "1";

    public string MemoryLimit { get; init; } = "1Gi";

    public bool KeepCapturePod { get; init; }

    /// <summary>Lines of the sysdig container's log carried by an error.</summary>
    public int LogTailLines { get; init; } = 20;
}
