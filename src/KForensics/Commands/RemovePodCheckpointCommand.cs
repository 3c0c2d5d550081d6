using System.Management.Automation;
using KForensics.Core.Kubernetes;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Deletes checkpoint archives from a node's kubelet checkpoints directory.</summary>
[Cmdlet(VerbsCommon.Remove, "PodCheckpoint", DefaultParameterSetName = ByObject, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(NodeCheckpointFile), typeof(string))]
public sealed class RemovePodCheckpointCommand : KubeCmdlet
{
    private const string ByObject = "InputObject";
    private const string ByName = "ByName";
    private readonly List<(string Node, string Directory, string Name, NodeCheckpointFile? File)> _files = new();

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObject)]
    public NodeCheckpointFile[] InputObject { get; set; } = Array.Empty<NodeCheckpointFile>();

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    public string Node { get; set; } = string.Empty;

    /// <summary>The archives' file names in the checkpoints directory.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    public string[] Checkpoint { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    public string CheckpointDirectory { get; set; } = PodCheckpointDefaults.NodeDirectory;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? HelperNamespace { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string HelperImage { get; set; } = PodCheckpointDefaults.HelperImage;

    /// <summary>Writes each removed archive's NodeCheckpointFile (or its name) to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override Task ProcessRecordAsync()
    {
        if (ParameterSetName == ByObject)
        {
            _files.AddRange(InputObject.Select(f => (f.Node, f.Directory, f.Name, (NodeCheckpointFile?)f)));
        }
        else
        {
            _files.AddRange(Checkpoint.Select(n => (Node, CheckpointDirectory, n, (NodeCheckpointFile?)null)));
        }

        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync()
    {
        if (_files.Count == 0)
        {
            return;
        }

        // Pre-flight, before any -WhatIf line and any helper pod: the cluster answers, each node is there, each name is a file name.
        await RequireReachableClusterAsync();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (string node in _files.Select(f => f.Node).Distinct(StringComparer.Ordinal))
        {
            try
            {
                await NodeCheckpointInventory.VerifyNodeAsync(Connection, node, CancellationToken);
                present.Add(node);
            }
            catch (KubeOperationException e)
            {
                WriteError(ToCheckpointErrorRecord(e, node));
            }
        }

        foreach (var f in _files.Where(f => present.Contains(f.Node) && !NodeCheckpointInventory.IsFileName(f.Name)))
        {
            WriteError(ErrorRecords.Create(ErrorRecords.Format("'{0}' is not a file name in {1} on node {2}.", f.Name, f.Directory, f.Node),
                ErrorIds.PodCheckpointTargetNotFound, ErrorCategory.InvalidArgument, f.Name));
        }

        // One helper pod per node and directory.
        foreach (var group in _files.Where(f => present.Contains(f.Node) && NodeCheckpointInventory.IsFileName(f.Name)).GroupBy(f => (f.Node, f.Directory)))
        {
            var chosen = group.Where(f => ShouldProcess($"{f.Node}:{f.Directory.TrimEnd('/')}/{f.Name}", "Delete the checkpoint archive from the node")).ToList();
            if (chosen.Count == 0)
            {
                continue;
            }

            try
            {
                await NodeCheckpointInventory.RemoveAsync(Connection, group.Key.Node, group.Key.Directory, chosen.Select(f => f.Name).Distinct().ToList(),
                    HelperNamespace ?? Connection.DefaultNamespace, HelperImage, CancellationToken);
                if (PassThru)
                {
                    foreach (var f in chosen)
                    {
                        WriteObject(f.File is null ? f.Name : f.File);
                    }
                }
            }
            catch (KubeOperationException e)
            {
                WriteError(ToCheckpointErrorRecord(e, group.Key.Node));
            }
        }
    }
}
