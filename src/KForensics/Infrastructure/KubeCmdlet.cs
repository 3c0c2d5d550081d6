using System.Management.Automation;
using KForensics.Core.Kubernetes;

namespace KForensics.Infrastructure;

/// <summary>What the Kubernetes cmdlets share: -Kubeconfig/-Context, the connection, and error mapping.</summary>
public abstract class KubeCmdlet : AsyncCmdlet
{
    /// <summary>The kubeconfig file; default $KUBECONFIG, then ~/.kube/config.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Kubeconfig { get; set; }

    /// <summary>The kubeconfig context; default its current context.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Context { get; set; }

    private KubeConnection? _connection;

    /// <summary>The connection, opened on first use; a kubeconfig that cannot be used stops the cmdlet.</summary>
    protected KubeConnection Connection
    {
        get
        {
            if (_connection is null)
            {
                string? path = Kubeconfig is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Kubeconfig);
                try
                {
                    _connection = KubeConnection.Open(path, Context, LibraryLog);
                }
                catch (KubeOperationException e)
                {
                    ThrowTerminatingError(ToErrorRecord(e, Kubeconfig));
                }
            }

            return _connection!;
        }
    }

    /// <summary>
    /// Pre-flight for the cmdlets that change the cluster: an API server that cannot be reached or refuses the
    /// credentials stops the cmdlet once, before any target is resolved, any -WhatIf line is written or any pod starts.
    /// </summary>
    protected async Task RequireReachableClusterAsync()
    {
        try
        {
            await Connection.VerifyReachableAsync(TimeSpan.FromSeconds(30), CancellationToken);
        }
        catch (KubeOperationException e)
        {
            ThrowTerminatingError(ToErrorRecord(e, Connection.Server));
        }
    }

    /// <summary>The same mapping, with the ids of the checkpoint flow where a kind is shared with captures.</summary>
    internal static ErrorRecord ToCheckpointErrorRecord(KubeOperationException e, object? target)
    {
        string? id = e.Kind switch
        {
            KubeFailureKind.Timeout => ErrorIds.PodCheckpointTimeout,
            KubeFailureKind.HashMismatch => ErrorIds.PodCheckpointHashMismatch,
            KubeFailureKind.CopyFailed => ErrorIds.PodCheckpointCopyFailed,
            KubeFailureKind.NotFound => ErrorIds.PodCheckpointTargetNotFound,
            _ => null,
        };
        ErrorRecord record = ToErrorRecord(e, target);
        return id is null ? record : new ErrorRecord(e, id, record.CategoryInfo.Category, target) { ErrorDetails = record.ErrorDetails };
    }

    internal static ErrorRecord ToErrorRecord(KubeOperationException e, object? target)
    {
        (string id, ErrorCategory category) = e.Kind switch
        {
            KubeFailureKind.NotFound => (ErrorIds.PodNotFound, ErrorCategory.ObjectNotFound),
            KubeFailureKind.Forbidden => (ErrorIds.KubeForbidden, ErrorCategory.PermissionDenied),
            KubeFailureKind.Unauthorized => (ErrorIds.KubeUnauthorized, ErrorCategory.PermissionDenied),
            KubeFailureKind.ConnectionFailed => (ErrorIds.KubeConnectionFailed, ErrorCategory.ConnectionError),
            KubeFailureKind.Timeout => (ErrorIds.CaptureTimeout, ErrorCategory.OperationTimeout),
            KubeFailureKind.ConfigurationInvalid => (ErrorIds.KubeConfigInvalid, ErrorCategory.InvalidArgument),
            KubeFailureKind.NoPodMatched => (ErrorIds.NoPodMatchesSelector, ErrorCategory.ObjectNotFound),
            KubeFailureKind.PodNotScheduled => (ErrorIds.PodNotScheduled, ErrorCategory.ResourceUnavailable),
            KubeFailureKind.CaptureFailed => (ErrorIds.CaptureFailed, ErrorCategory.InvalidResult),
            KubeFailureKind.CaptureEmpty => (ErrorIds.CaptureEmpty, ErrorCategory.InvalidResult),
            KubeFailureKind.CaptureInvalid => (ErrorIds.CaptureInvalid, ErrorCategory.InvalidData),
            KubeFailureKind.HashMismatch => (ErrorIds.CaptureHashMismatch, ErrorCategory.InvalidData),
            KubeFailureKind.CopyFailed => (ErrorIds.CaptureCopyFailed, ErrorCategory.ReadError),
            KubeFailureKind.NotACapturePod => (ErrorIds.NotACapturePod, ErrorCategory.InvalidArgument),
            KubeFailureKind.CheckpointUnavailable => (ErrorIds.PodCheckpointUnavailable, ErrorCategory.NotImplemented),
            KubeFailureKind.CheckpointForbidden => (ErrorIds.PodCheckpointForbidden, ErrorCategory.PermissionDenied),
            KubeFailureKind.CheckpointFailed => (ErrorIds.PodCheckpointFailed, ErrorCategory.InvalidResult),
            KubeFailureKind.NodeGone => (ErrorIds.NodeGone, ErrorCategory.ResourceUnavailable),
            KubeFailureKind.DiskFull => (ErrorIds.DiskFull, ErrorCategory.WriteError),
            _ => (ErrorIds.KubeApiError, ErrorCategory.InvalidOperation),
        };
        var record = ErrorRecords.WithAdvice(new ErrorRecord(e, id, category, target), AdviceFor(e.Remedy));
        if (e.LogTail is { Length: > 0 } tail)
        {
            record.ErrorDetails = new ErrorDetails((record.ErrorDetails?.Message ?? e.Message) + Environment.NewLine + "Last lines of the sysdig container's log:" + Environment.NewLine + tail)
            {
                RecommendedAction = record.ErrorDetails?.RecommendedAction,
            };
        }

        return record;
    }

    // What to type instead, in this module's parameters; the engine's message says what happened.
    private static string? AdviceFor(KubeRemedy remedy) => remedy switch
    {
        KubeRemedy.CaptureWholeNode => "Use -NodeWide to capture the whole node.",
        KubeRemedy.OtherHelperImage => "Use -HelperImage to name one.",
        KubeRemedy.GrantNodeProxy => "New-PodCheckpoint -DryRun prints the ClusterRole.",
        KubeRemedy.LongerCheckpointTimeout => "Give it a longer -Timeout.",
        KubeRemedy.NameKubeconfig => "Pass -Kubeconfig or set KUBECONFIG.",
        _ => null,
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _connection?.Dispose();
        }

        base.Dispose(disposing);
    }
}
