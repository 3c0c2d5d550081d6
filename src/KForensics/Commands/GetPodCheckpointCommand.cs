using System.Management.Automation;
using KForensics.Core.Kubernetes;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Lists the checkpoint archives in nodes' kubelet checkpoints directories, as checkpointctl list does on the node.</summary>
[Cmdlet(VerbsCommon.Get, "PodCheckpoint")]
[OutputType(typeof(NodeCheckpointFile))]
public sealed class GetPodCheckpointCommand : KubeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("NodeName")]
    [ValidateNotNullOrEmpty]
    public string[] Node { get; set; } = Array.Empty<string>();

    /// <summary>Only archives of these pods (wildcards).</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Pod { get; set; }

    /// <summary>The kubelet's checkpoints directory on the node.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string CheckpointDirectory { get; set; } = PodCheckpointDefaults.NodeDirectory;

    /// <summary>The namespace the helper pod runs in; default the context's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? HelperNamespace { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string HelperImage { get; set; } = PodCheckpointDefaults.HelperImage;

    protected override async Task ProcessRecordAsync()
    {
        var patterns = Pod?.Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();
        foreach (string node in Node)
        {
            try
            {
                WriteVerbose($"Listing {CheckpointDirectory} on node {node} through a helper pod in namespace {HelperNamespace ?? Connection.DefaultNamespace}.");
                foreach (NodeCheckpointFile file in await NodeCheckpointInventory.ListAsync(Connection, node, CheckpointDirectory,
                             HelperNamespace ?? Connection.DefaultNamespace, HelperImage, CancellationToken))
                {
                    if (patterns is null || (file.Pod is string pod && patterns.Any(p => p.IsMatch(pod))))
                    {
                        WriteObject(file);
                    }
                }
            }
            catch (KubeOperationException e)
            {
                WriteError(ToCheckpointErrorRecord(e, node));
            }
        }
    }
}
