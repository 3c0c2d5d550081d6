using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using k8s.Autorest;

namespace KForensics.Core.Kubernetes;

/// <summary>Why a Kubernetes operation failed; the cmdlets map each kind to an error id and category.</summary>
public enum KubeFailureKind
{
    ApiError,
    NotFound,
    Forbidden,
    Unauthorized,
    ConnectionFailed,
    Timeout,
    ConfigurationInvalid,
    NoPodMatched,
    PodNotScheduled,
    CaptureFailed,
    CaptureEmpty,
    CaptureInvalid,
    HashMismatch,
    CopyFailed,
    NotACapturePod,

    /// <summary>The kubelet has no checkpoint endpoint (feature gate off) or its runtime cannot checkpoint.</summary>
    CheckpointUnavailable,

    /// <summary>The node proxy or the kubelet's nodes/checkpoint authorization refused the request.</summary>
    CheckpointForbidden,

    /// <summary>The runtime or CRIU failed to checkpoint the container.</summary>
    CheckpointFailed,

    /// <summary>The node went away while its archive was being read.</summary>
    NodeGone,

    /// <summary>The local disk filled up while the archive was being written.</summary>
    DiskFull,
}

/// <summary>
/// What the user can change to get past a failure, when the kind alone does not say it; the cmdlet layer words it in
/// its own parameters.
/// </summary>
public enum KubeRemedy
{
    None,

    /// <summary>Capture the whole node instead of the pod's containers.</summary>
    CaptureWholeNode,

    /// <summary>Name a helper image the node can pull.</summary>
    OtherHelperImage,

    /// <summary>Grant the caller create on nodes/proxy (the planned RBAC shows how).</summary>
    GrantNodeProxy,

    /// <summary>Give the kubelet more time to checkpoint.</summary>
    LongerCheckpointTimeout,

    /// <summary>Name a kubeconfig file.</summary>
    NameKubeconfig,
}

/// <summary>A failure of the capture flow or of the API, with its kind and, where there is one, the capture container's log tail.</summary>
public sealed class KubeOperationException : Exception
{
    public KubeOperationException(KubeFailureKind kind, string message, Exception? inner = null, string? logTail = null)
        : base(message, inner)
    {
        Kind = kind;
        LogTail = logTail;
    }

    public KubeFailureKind Kind { get; }

    /// <summary>What the user can change, when the kind alone does not say it.</summary>
    public KubeRemedy Remedy { get; init; }

    /// <summary>The last lines the sysdig container wrote, when the failure came from it.</summary>
    public string? LogTail { get; }

    /// <summary>
    /// Turns what KubernetesClient and the network throw into a classified failure, keeping the cause.
    /// <paramref name="what"/> names the operation for the message, e.g. "read pod web-0 in default".
    /// </summary>
    public static KubeOperationException From(Exception exception, string what)
    {
        if (exception is KubeOperationException known)
        {
            return known;
        }

        HttpStatusCode? status = exception switch
        {
            HttpOperationException http => http.Response?.StatusCode,
            k8s.KubernetesException k when k.Status?.Code is int code => (HttpStatusCode)code,
            _ => null,
        };
        string detail = exception switch
        {
            HttpOperationException http when !string.IsNullOrWhiteSpace(http.Response?.Content) => ExtractMessage(http.Response!.Content),
            k8s.KubernetesException k when k.Status?.Message is string m => m,
            _ => exception.Message,
        };

        return status switch
        {
            HttpStatusCode.NotFound => new(KubeFailureKind.NotFound, $"Cannot {what}: not found ({detail}).", exception),
            HttpStatusCode.Forbidden => new(KubeFailureKind.Forbidden, $"Cannot {what}: forbidden ({detail}).", exception),
            HttpStatusCode.Unauthorized => new(KubeFailureKind.Unauthorized, $"Cannot {what}: unauthorized ({detail}).", exception),
            HttpStatusCode code => new(KubeFailureKind.ApiError, $"Cannot {what}: the API server answered {(int)code} ({detail}).", exception),
            null when IsConnectionFailure(exception) => new(KubeFailureKind.ConnectionFailed, $"Cannot {what}: no connection to the API server ({Innermost(exception).Message}).", exception),
            _ => new(KubeFailureKind.ApiError, $"Cannot {what}: {detail}", exception),
        };
    }

    private static bool IsConnectionFailure(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or SocketException or System.Net.WebSockets.WebSocketException)
            {
                return true;
            }
        }

        return false;
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }

    // The body of an API error is a v1 Status; its message says what RBAC or admission refused.
    internal static string ExtractMessage(string content)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(content);
            if (doc.RootElement.TryGetProperty("message", out var m) && m.GetString() is string s)
            {
                return s;
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return content.Length > 300 ? content[..300] : content;
    }
}
