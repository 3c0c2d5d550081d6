using System.Management.Automation;
using KForensics.Core.Evidence.Protection;
using KForensics.Core.Evidence.Storage;
using KForensics.Core.Kubernetes;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Checkpoints a pod's containers through their kubelet's checkpoint API and brings each archive home
/// verified (hashed on the node and here), with a custody manifest beside it.
/// </summary>
[Cmdlet(VerbsCommon.New, "PodCheckpoint", DefaultParameterSetName = PodSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PodCheckpoint), typeof(ProtectedEvidence), typeof(SentEvidence), typeof(string))]
public sealed class NewPodCheckpointCommand : PodTargetCmdlet, IDynamicParameters
{
    private readonly EvidenceDeliveryParameters _deliveryParameters = new();

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PodSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Pod { get; set; } = Array.Empty<string>();

    /// <summary>The containers to checkpoint; default every running container of the pod.</summary>
    [Parameter]
    [Alias("ContainerId", "ContainerName", "Id")]
    [ValidateNotNullOrEmpty]
    public string[]? Container { get; set; }

    /// <summary>The kubelet's timeout for the checkpoint, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int Timeout { get; set; } = 300;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputDirectory { get; set; }

    [Parameter]
    public SwitchParameter RemoveFromNode { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string HelperImage { get; set; } = PodCheckpointDefaults.HelperImage;

    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 5;

    [Parameter]
    public SwitchParameter DryRun { get; set; }

    /// <summary>-Recipient, -Destination, -ConnectionString, -ManagedIdentityClientId and -BlobPrefix, declared once for every producing cmdlet.</summary>
    public object GetDynamicParameters() => _deliveryParameters;

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
        var options = new PodCheckpointOptions { TimeoutSeconds = Timeout, HelperImage = HelperImage, RemoveFromNode = RemoveFromNode };
        var work = new List<(PodTarget Target, TargetContainer Container)>();
        foreach (PodTarget target in await ResolveTargetsAsync())
        {
            work.AddRange(ContainersOf(target).Select(c => (target, c)));
        }

        if (DryRun)
        {
            foreach (var (target, container) in work)
            {
                foreach (string request in PodCheckpointSession.PlannedRequests(target, container.Name, options))
                {
                    WriteObject(request);
                }
            }

            WriteObject(PodCheckpointSession.RequiredRbac(work.Select(w => w.Target.Namespace)));
            return;
        }

        // The keys and the container are checked before any container is checkpointed.
        EvidenceDelivery delivery = await EvidenceDelivery.CreateAsync(this, _deliveryParameters, CancellationToken);
        work = work.Where(w => ShouldProcess($"{w.Target.Namespace}/{w.Target.Name}/{w.Container.Name} on node {w.Target.NodeName}",
            "Checkpoint the container (its memory is written to the node) and copy the archive here")).ToList();
        if (work.Count == 0)
        {
            return;
        }

        string outputDirectory = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutputDirectory ?? ".");
        string version = typeof(NewPodCheckpointCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        var session = new PodCheckpointSession(Connection, options, version);
        var runner = new CaptureRunner<(PodTarget Target, TargetContainer Container), object>(this, work, ThrottleLimit,
            w => $"Checkpointing {w.Target.Namespace}/{w.Target.Name}/{w.Container.Name} on {w.Target.NodeName}",
            ToCheckpointErrorRecord, ErrorIds.PodCheckpointFailed, ErrorIds.PodCheckpointHelperNotRemoved, "Delete it with kubectl delete pod.", w => $"{w.Target.Namespace}/{w.Target.Name}/{w.Container.Name}");
        await runner.RunAsync(async (w, progress) =>
        {
            object made = delivery.Encrypts
                ? await session.RunProtectedAsync(w.Target, w.Container, outputDirectory, delivery.Recipients, progress, CancellationToken)
                : await session.RunAsync(w.Target, w.Container, outputDirectory, progress, CancellationToken);
            return delivery.Destination is null ? made : await delivery.SendFromWorkerAsync(made, w.Target.Name, w.Target.Namespace, progress, ModuleVersion, CancellationToken);
        }, CancellationToken);
    }

    private List<TargetContainer> ContainersOf(PodTarget target)
    {
        if (Container is null)
        {
            var running = target.Containers.Where(c => !c.IsInit && c.IsRunning).ToList();
            if (running.Count == 0)
            {
                WriteError(new ErrorRecord(new InvalidOperationException($"Pod {target.Namespace}/{target.Name} has no running container to checkpoint."),
                    ErrorIds.NoContainerToCheckpoint, ErrorCategory.InvalidOperation, target.Name));
            }

            return running;
        }

        var chosen = new List<TargetContainer>();
        foreach (string name in Container)
        {
            TargetContainer? c = target.Containers.FirstOrDefault(x => x.Name == name);
            if (c is null)
            {
                WriteError(new ErrorRecord(new ItemNotFoundException(
                        $"Pod {target.Namespace}/{target.Name} has no container '{name}'; it has {string.Join(", ", target.Containers.Select(x => x.Name))}."),
                    ErrorIds.PodCheckpointTargetNotFound, ErrorCategory.ObjectNotFound, name));
                continue;
            }

            chosen.Add(c);
        }

        return chosen;
    }
}
