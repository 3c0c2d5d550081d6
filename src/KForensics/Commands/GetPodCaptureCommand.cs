using System.Management.Automation;
using KForensics.Core.Kubernetes;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Lists the KForensics capture pods still in the cluster, found by their labels.</summary>
[Cmdlet(VerbsCommon.Get, "PodCapture")]
[OutputType(typeof(CapturePodInfo))]
public sealed class GetPodCaptureCommand : KubeCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only this namespace; by default every namespace.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    protected override async Task ProcessRecordAsync()
    {
        WriteVerbose($"Listing pods labelled {CaptureLabels.Selector} in {(Namespace is null ? "all namespaces" : "namespace " + Namespace)} ({Connection.Context}, {Connection.Server}).");
        IReadOnlyList<CapturePodInfo> pods;
        try
        {
            pods = await Connection.ListCapturePodsAsync(Namespace, CancellationToken);
        }
        catch (KubeOperationException e)
        {
            WriteError(ToErrorRecord(e, Namespace));
            return;
        }

        var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (CapturePodInfo pod in pods.OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal))
        {
            if (patterns is null || patterns.Any(p => p.IsMatch(pod.Name)))
            {
                WriteObject(pod);
            }
        }
    }
}
