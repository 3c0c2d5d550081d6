using System.Management.Automation;
using KForensics.Core.Kubernetes;

namespace KForensics.Infrastructure;

/// <summary>
/// What the cmdlets that act on pods share: pods named by -Pod (each cmdlet declares it) or chosen by -Selector, in
/// -Namespace or the context's default; the requests gathered over the pipeline, then resolved once, each pod or
/// selector that cannot be resolved being its own error.
/// </summary>
public abstract class PodTargetCmdlet : KubeCmdlet
{
    protected const string PodSet = "Pod";
    protected const string SelectorSet = "Selector";
    private readonly List<(string? Pod, string? Namespace)> _requests = new();

    [Parameter(Mandatory = true, ParameterSetName = SelectorSet)]
    [Alias("l")]
    [ValidateNotNullOrEmpty]
    public string Selector { get; set; } = string.Empty;

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <summary>Whether any pipeline record asked for a pod.</summary>
    private protected bool HasRequests => _requests.Count > 0;

    /// <summary>Gathers this record's request: the selector, or the pods named by <paramref name="pods"/>.</summary>
    private protected void AddRequests(string[] pods)
    {
        if (ParameterSetName == SelectorSet)
        {
            _requests.Add((null, Namespace));
        }
        else
        {
            _requests.AddRange(pods.Select(p => ((string?)p, Namespace)));
        }
    }

    /// <summary>The pods of every request gathered, each request once; one that cannot be resolved is written as its error.</summary>
    private protected async Task<List<PodTarget>> ResolveTargetsAsync()
    {
        var targets = new List<PodTarget>();
        foreach (var (pod, ns) in _requests.Distinct())
        {
            string namespaceName = ns ?? Connection.DefaultNamespace;
            try
            {
                WriteVerbose(pod is null
                    ? $"Resolving pods matching '{Selector}' in namespace {namespaceName} ({Connection.Context}, {Connection.Server})."
                    : $"Resolving pod {namespaceName}/{pod} ({Connection.Context}, {Connection.Server}).");
                targets.AddRange(pod is null
                    ? await Connection.ResolveSelectorAsync(Selector, namespaceName, CancellationToken)
                    : [await Connection.ResolvePodAsync(pod, namespaceName, CancellationToken)]);
            }
            catch (KubeOperationException e)
            {
                WriteError(ToErrorRecord(e, pod ?? Selector));
            }
        }

        return targets;
    }
}
