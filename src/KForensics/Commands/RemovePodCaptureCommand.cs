using System.Management.Automation;
using KForensics.Core.Kubernetes;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Deletes capture pods left in the cluster; refuses any pod that is not a KForensics capture pod.</summary>
[Cmdlet(VerbsCommon.Remove, "PodCapture", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CapturePodInfo))]
public sealed class RemovePodCaptureCommand : KubeCmdlet
{
    /// <summary>Capture pod names; CapturePod binds a PodCapture made with -KeepCapturePod.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("CapturePod")]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <summary>Writes each deleted capture pod, as it was found before it was deleted, to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    // Pre-flight: an API server that does not answer stops the cmdlet before any capture pod is looked up or confirmed.
    protected override Task BeginProcessingAsync() => RequireReachableClusterAsync();

    protected override async Task ProcessRecordAsync()
    {
        string ns = Namespace ?? Connection.DefaultNamespace;
        foreach (string name in Name)
        {
            try
            {
                CapturePodInfo pod = await Connection.GetCapturePodAsync(name, ns, CancellationToken);
                if (!ShouldProcess($"{ns}/{name} (capture of {pod.TargetNamespace}/{pod.TargetPod} on node {pod.Node})", "Delete capture pod"))
                {
                    continue;
                }

                await Connection.DeleteCapturePodAsync(name, ns, CancellationToken);
                WriteVerbose($"Deleted capture pod {ns}/{name}.");
                if (PassThru)
                {
                    WriteObject(pod);
                }
            }
            catch (KubeOperationException e)
            {
                WriteError(ToErrorRecord(e, name));
            }
        }
    }
}
