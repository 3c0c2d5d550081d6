using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using k8s;

namespace KForensics.Core.Kubernetes;

/// <summary>
/// The kubelet's checkpoint endpoint (KEP-2008), reached through the API server's node proxy:
/// POST /api/v1/nodes/{node}/proxy/checkpoint/{namespace}/{pod}/{container}?timeout=N. The kubelet
/// answers {"items":["&lt;path of the archive on the node&gt;"]}; its failures are told apart here so the
/// user learns which of the gate, the runtime, RBAC or CRIU stands in the way.
/// </summary>
internal static class KubeletCheckpointApi
{
    public static string RequestPath(string node, string @namespace, string pod, string container, int timeoutSeconds)
        => string.Create(CultureInfo.InvariantCulture,
            $"/api/v1/nodes/{Uri.EscapeDataString(node)}/proxy/checkpoint/{Uri.EscapeDataString(@namespace)}/{Uri.EscapeDataString(pod)}/{Uri.EscapeDataString(container)}?timeout={timeoutSeconds}");

    public static async Task<string> CheckpointAsync(IKubernetes client, string node, string @namespace, string pod, string container, int timeoutSeconds,
        CancellationToken cancellationToken)
    {
        var kube = (k8s.Kubernetes)client;
        string baseUri = kube.BaseUri.ToString().TrimEnd('/');
        using var request = new HttpRequestMessage(HttpMethod.Post, baseUri + RequestPath(node, @namespace, pod, container, timeoutSeconds));
        if (kube.Credentials is not null)
        {
            await kube.Credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        // The kubelet may take the whole timeout and then some; the API server's own limit applies beyond that.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds + 60));
        string what = $"{@namespace}/{pod}/{container} on node {node}";
        HttpResponseMessage response;
        try
        {
            response = await kube.HttpClient.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KubeOperationException(KubeFailureKind.Timeout,
                $"The kubelet did not answer the checkpoint request for {what} within {timeoutSeconds + 60} s.", e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw KubeOperationException.From(e, $"ask the kubelet to checkpoint {what}");
        }

        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(CancellationToken.None).ConfigureAwait(false);
            bool json = response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;
            if (response.IsSuccessStatusCode)
            {
                return ParseLocation(body) ?? throw new KubeOperationException(KubeFailureKind.CheckpointFailed,
                    $"The kubelet checkpointed {what} but its answer names no archive: {Trim(body)}");
            }

            throw Classify(response.StatusCode, body, json, node, @namespace, pod, container, timeoutSeconds);
        }
    }

    internal static string? ParseLocation(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("items", out JsonElement items) && items.ValueKind == JsonValueKind.Array && items.GetArrayLength() > 0)
            {
                return items[0].GetString();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    internal static KubeOperationException Classify(HttpStatusCode status, string body, bool json, string node, string @namespace, string pod, string container, int timeoutSeconds)
    {
        string what = $"{@namespace}/{pod}/{container}";
        string message = json ? KubeOperationException.ExtractMessage(body) : body.Trim();
        switch (status)
        {
            case HttpStatusCode.NotFound when json:
                // The API server itself: the node is unknown.
                return new KubeOperationException(KubeFailureKind.NotFound, $"Cannot checkpoint {what}: {message}.");
            case HttpStatusCode.NotFound when message.Contains("pod does not exist", StringComparison.OrdinalIgnoreCase):
                return new KubeOperationException(KubeFailureKind.NotFound,
                    $"The kubelet on node {node} does not run pod {@namespace}/{pod} (it answered \"{message}\"); the pod may have moved or been deleted.");
            case HttpStatusCode.NotFound when message.Contains("does not exist", StringComparison.OrdinalIgnoreCase):
                return new KubeOperationException(KubeFailureKind.NotFound,
                    $"Pod {@namespace}/{pod} has no container '{container}' (the kubelet answered \"{message}\").");
            case HttpStatusCode.NotFound when message.Contains("timeout", StringComparison.OrdinalIgnoreCase):
                return new KubeOperationException(KubeFailureKind.ApiError, $"The kubelet refused the timeout {timeoutSeconds}: {message}.");
            case HttpStatusCode.NotFound:
                return new KubeOperationException(KubeFailureKind.CheckpointUnavailable,
                    $"The kubelet on node {node} has no checkpoint endpoint (it answered 404 \"{Trim(message)}\"): the ContainerCheckpoint feature gate is off there. "
                    + "It is beta and on by default from Kubernetes 1.30 (alpha, off, in 1.25 to 1.29); enable it with the kubelet flag --feature-gates=ContainerCheckpoint=true.");
            case HttpStatusCode.Forbidden when message.Contains("subresource=checkpoint", StringComparison.OrdinalIgnoreCase):
                return new KubeOperationException(KubeFailureKind.CheckpointForbidden,
                    $"The kubelet on node {node} refused the API server's own kubelet client: {message}. The node proxy forwards the request under the API server's "
                    + "kubelet-client identity (--kubelet-client-certificate), which needs create on nodes/checkpoint; the built-in system:kubelet-api-admin role lacks it. "
                    + "Bind a ClusterRole with resources [nodes/checkpoint], verbs [create] to that user.");
            case HttpStatusCode.Forbidden:
                return new KubeOperationException(KubeFailureKind.CheckpointForbidden,
                    $"The API server refused the node proxy to {node}: {message}. The caller needs create on nodes/proxy (cluster-scoped).")
                {
                    Remedy = KubeRemedy.GrantNodeProxy,
                };
            case HttpStatusCode.Unauthorized:
                return new KubeOperationException(KubeFailureKind.Unauthorized, $"Cannot checkpoint {what}: unauthorized ({message}).");
            case HttpStatusCode.InternalServerError when message.Contains("Unimplemented", StringComparison.OrdinalIgnoreCase)
                                                        || message.Contains("not implemented", StringComparison.OrdinalIgnoreCase)
                                                        || message.Contains("not supported", StringComparison.OrdinalIgnoreCase):
                return new KubeOperationException(KubeFailureKind.CheckpointUnavailable,
                    $"The container runtime on node {node} cannot checkpoint {what}: {message}. Checkpoints need CRI-O 1.25 or later with checkpointing enabled, "
                    + "or containerd 2.0 or later (enable_criu), and CRIU on the node.");
            case HttpStatusCode.InternalServerError when message.Contains("DeadlineExceeded", StringComparison.OrdinalIgnoreCase)
                                                        || message.Contains("deadline exceeded", StringComparison.OrdinalIgnoreCase):
                return new KubeOperationException(KubeFailureKind.Timeout,
                    $"Checkpointing {what} did not finish within {timeoutSeconds} s ({message}); a container with much memory needs longer.")
                {
                    Remedy = KubeRemedy.LongerCheckpointTimeout,
                };
            case HttpStatusCode.InternalServerError:
                return new KubeOperationException(KubeFailureKind.CheckpointFailed,
                    $"The runtime on node {node} failed to checkpoint {what}: {message}. CRIU's own log is on the node (the path is in the message).");
            default:
                return new KubeOperationException(KubeFailureKind.ApiError,
                    $"Cannot checkpoint {what}: the API server answered {(int)status} ({Trim(message)}).");
        }
    }

    private static string Trim(string text) => text.Length > 300 ? text[..300] : text.Trim();
}
