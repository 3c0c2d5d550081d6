using System.Management.Automation;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Protection;
using KForensics.Core.Evidence.Storage;
using KForensics.Core.Kubernetes;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Records the system calls of a pod's containers with sysdig on the pod's node, and brings the capture home verified.</summary>
[Cmdlet(VerbsLifecycle.Start, "PodCapture", DefaultParameterSetName = PodSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PodCapture), typeof(ProtectedEvidence), typeof(SentEvidence), typeof(string))]
public sealed class StartPodCaptureCommand : PodTargetCmdlet, IDynamicParameters
{
    private readonly EvidenceDeliveryParameters _deliveryParameters = new();

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PodSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Pod { get; set; } = Array.Empty<string>();

    [Parameter]
    [ValidateRange(1, 86400)]
    public int Duration { get; set; } = 120;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputDirectory { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Filter { get; set; }

    [Parameter]
    public SwitchParameter NodeWide { get; set; }

    [Parameter]
    [ValidateRange(0, 262144)]
    public int SnapLength { get; set; } = 80;

    [Parameter]
    [ValidateSet("ModernEbpf", "Ebpf", "KernelModule")]
    public string Driver { get; set; } = "ModernEbpf";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Image { get; set; } = CaptureOptions.DefaultImage;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string CpuRequest { get; set; } = "250m";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string MemoryRequest { get; set; } = "256Mi";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string CpuLimit { get; set; } = "1";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string MemoryLimit { get; set; } = "1Gi";

    [Parameter]
    [ValidateRange(1, 86400)]
    public int Timeout { get; set; } = 300;

    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 5;

    [Parameter]
    public SwitchParameter DryRun { get; set; }

    [Parameter]
    public SwitchParameter KeepCapturePod { get; set; }

    /// <summary>-Recipient, -Destination, -ConnectionString, -ManagedIdentityClientId and -BlobPrefix, declared once for every producing cmdlet.</summary>
    public object GetDynamicParameters() => _deliveryParameters;

    // Pre-flight: a filter that does not compile stops the command here, before the cluster is asked anything.
    protected override Task BeginProcessingAsync()
    {
        if (Filter is not null)
        {
            FilterErrors.CompileOrStop(this, Filter);
        }

        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync()
    {
        AddRequests(Pod);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync()
    {
        if (!HasRequests)
        {
            return;
        }

        // Pre-flight: an API server that does not answer stops the cmdlet before any pod is resolved or planned.
        await RequireReachableClusterAsync();
        CaptureOptions options = BuildOptions();
        List<PodTarget> targets = await ResolveTargetsAsync();

        if (DryRun)
        {
            foreach (PodTarget target in targets)
            {
                try
                {
                    WriteObject(CapturePodBuilder.ToYaml(target, options));
                }
                catch (KubeOperationException e)
                {
                    WriteError(ToErrorRecord(e, target.Name));
                }
            }

            return;
        }

        // The keys and the container are checked before any privileged pod starts.
        EvidenceDelivery delivery = await EvidenceDelivery.CreateAsync(this, _deliveryParameters, CancellationToken);
        targets = targets.Where(t => ShouldProcess($"{t.Namespace}/{t.Name} on node {t.NodeName}", "Start a privileged sysdig capture pod")).ToList();
        if (targets.Count == 0)
        {
            return;
        }

        string outputDirectory = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutputDirectory ?? ".");
        string version = typeof(StartPodCaptureCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        var session = new CaptureSession(Connection, options, version);
        var runner = new CaptureRunner<PodTarget, object>(this, targets, ThrottleLimit, t => $"Capturing {t.Namespace}/{t.Name} on {t.NodeName}",
            ToErrorRecord, ErrorIds.CaptureFailed, ErrorIds.CapturePodNotRemoved, "Remove it with Remove-PodCapture.", t => t.Name);
        if (KeepCapturePod)
        {
            WriteVerbose("The capture pods are kept (-KeepCapturePod); remove them with Remove-PodCapture.");
        }

        await runner.RunAsync(async (target, progress) =>
        {
            object made = delivery.Encrypts
                ? await session.RunProtectedAsync(target, outputDirectory, delivery.Recipients, progress, CancellationToken)
                : await session.RunAsync(target, outputDirectory, progress, CancellationToken);
            return delivery.Destination is null ? made : await delivery.SendFromWorkerAsync(made, target.Name, target.Namespace, progress, ModuleVersion, CancellationToken);
        }, CancellationToken);
    }

    private CaptureOptions BuildOptions() => new()
    {
        DurationSeconds = Duration,
        TimeoutSeconds = Timeout,
        Filter = Filter,
        NodeWide = NodeWide,
        SnapLength = SnapLength,
        Driver = Enum.Parse<SysdigDriver>(Driver, ignoreCase: true),
        Image = Image,
        CpuRequest = CpuRequest,
        MemoryRequest = MemoryRequest,
        CpuLimit = CpuLimit,
        MemoryLimit = MemoryLimit,
        KeepCapturePod = KeepCapturePod,
    };
}
