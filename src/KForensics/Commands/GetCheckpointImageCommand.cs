using System.Management.Automation;
using KForensics.Core.Checkpoints.Inspection;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Decodes a checkpoint's CRIU images entry by entry, as crit decode does, and emits them as objects.</summary>
[Cmdlet(VerbsCommon.Get, "CheckpointImage", DefaultParameterSetName = PathSet)]
[OutputType(typeof(CheckpointImage))]
public sealed class GetCheckpointImageCommand : CheckpointInputCmdlet
{
    /// <summary>Only images whose file names match (wildcards): core-*.img, pstree.img, ...</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Image { get; set; }

    /// <summary>Also return the raw payload that follows entries in some images (pipe and socket data, TCP queues, ghost files).</summary>
    [Parameter]
    public SwitchParameter IncludePayload { get; set; }

    private protected override Task InspectAsync(CheckpointInspector checkpoint)
    {
        var patterns = Image?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (CheckpointImage image in checkpoint.Images(n => patterns is null || patterns.Any(p => p.IsMatch(n)), IncludePayload, CancellationToken))
        {
            WriteObject(image);
        }

        return Task.CompletedTask;
    }
}
