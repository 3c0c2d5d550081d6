using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// POST /api/v1/nodes/{node}/proxy/checkpoint/{ns}/{pod}/{container}[?timeout=N]: the API server's node proxy to
/// the kubelet's checkpoint API (KEP-2008), answered as both answer. The API server: 403 Status when the caller may
/// not create nodes/proxy, 404 Status for an unknown node. The kubelet (plain text): 403 when the API server's
/// kubelet client may not create nodes/checkpoint, 404 page not found with the feature gate off, 404 for a pod
/// not on the node, a container not in its spec or a timeout that is not an integer, 500 for the runtime's
/// failures, and 200 {"items":["/var/lib/kubelet/checkpoints/checkpoint-pod_ns-container-time.tar"]} after a real
/// checkpoint of the Docker container standing in for the pod's container, laid out as the pod's runtime does.
/// </summary>
public static class CheckpointApi
{
    private static readonly string[] ContainerLists = ["containers", "initContainers", "ephemeralContainers"];

    public const string KubeletCheckpoints = "/var/lib/kubelet/checkpoints";

    public static void Map(WebApplication app, ClusterState state)
    {
        // A catch-all, so the path may come with its slashes escaped (%2F) as clients send a proxy "path".
        app.Map("/api/v1/nodes/{node}/proxy/{**path}", (HttpContext c, string node) => HandleAsync(c, state, node));
    }

    private static async Task HandleAsync(HttpContext c, ClusterState state, string node)
    {
        string raw = c.Request.Path.Value ?? string.Empty;
        int at = raw.IndexOf("/proxy/", StringComparison.Ordinal);
        string path = Uri.UnescapeDataString(raw[(at + "/proxy/".Length)..]);
        string[] parts = path.Split('/');
        bool checkpoint = parts.Length == 4 && parts[0] == "checkpoint";
        string? timeoutValue = c.Request.Query["timeout"].LastOrDefault();
        if (checkpoint)
        {
            state.Record("checkpoint", parts[1], parts[2], parts[3] + " timeout=" + timeoutValue);
        }

        Scenario scenario = state.Scenario;
        string mode = scenario.Mode;

        // The API server: authorization of nodes/proxy, then the node.
        if (mode == "checkpoint-forbidden-proxy")
        {
            string ns = checkpoint ? parts[1] : "default";
            await Api.WriteJsonAsync(c, 403, new JsonObject
            {
                ["kind"] = "Status",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject(),
                ["status"] = "Failure",
                ["message"] = $"nodes \"{node}\" is forbidden: User \"system:serviceaccount:{ns}:analyst\" cannot create resource \"nodes/proxy\" in API group \"\" at the cluster scope",
                ["reason"] = "Forbidden",
                ["details"] = new JsonObject { ["name"] = node, ["group"] = string.Empty, ["kind"] = "nodes" },
                ["code"] = 403,
            });
            return;
        }

        if (state.GetNode(node) is null)
        {
            await Api.WriteStatusAsync(c, 404, "NotFound", $"nodes \"{node}\" not found", node, "nodes");
            return;
        }

        // The kubelet: its authorization filter, then its routes.
        if (checkpoint && mode == "checkpoint-forbidden-kubelet")
        {
            await TextAsync(c, 403, "Forbidden (user=kube-apiserver-kubelet-client, verb=create, resource=nodes, subresource=checkpoint)");
            return;
        }

        if (!checkpoint || mode == "checkpoint-gate-off" || !HttpMethods.IsPost(c.Request.Method))
        {
            if (checkpoint && mode != "checkpoint-gate-off")
            {
                await TextAsync(c, 405, "405: Method Not Allowed");
                return;
            }

            await TextAsync(c, 404, "404 page not found\n");
            return;
        }

        string podNs = parts[1], podName = parts[2], container = parts[3];
        JsonObject? pod = state.GetPod(podNs, podName);
        if (pod is null || pod["spec"]?["nodeName"]?.GetValue<string>() != node)
        {
            await TextAsync(c, 404, "pod does not exist");
            return;
        }

        bool inSpec = ContainerLists
            .SelectMany(k => pod["spec"]?[k]?.AsArray() ?? new JsonArray())
            .Any(x => x?["name"]?.GetValue<string>() == container);
        if (!inSpec)
        {
            await TextAsync(c, 404, $"container {container} does not exist");
            return;
        }

        long timeout = 0;
        if (timeoutValue is not null && !long.TryParse(timeoutValue, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out timeout))
        {
            await TextAsync(c, 404, "cannot parse value of timeout parameter");
            return;
        }

        string failed = $"checkpointing of {podNs}/{podName}/{container} failed";
        if (mode == "checkpoint-unsupported")
        {
            await TextAsync(c, 500, $"{failed} (rpc error: code = Unimplemented desc = method CheckpointContainer not implemented)");
            return;
        }

        // The runtime works for CheckpointDelaySeconds; a shorter timeout ends the call first.
        if (scenario.CheckpointDelaySeconds > 0)
        {
            bool deadline = timeout > 0 && timeout < scenario.CheckpointDelaySeconds;
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(deadline ? timeout : scenario.CheckpointDelaySeconds), c.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (deadline)
            {
                await TextAsync(c, 500, $"{failed} (rpc error: code = DeadlineExceeded desc = context deadline exceeded)");
                return;
            }
        }

        string containerId = ContainerId(pod, container);
        if (mode == "checkpoint-criu-fails")
        {
            await TextAsync(c, 500, $"{failed} (rpc error: code = Unknown desc = failed to checkpoint container {containerId}: criu failed: type NOTIFY errno 0 path= /run/containers/storage/overlay-containers/{containerId}/userdata/dump.log)");
            return;
        }

        ClusterState.StandInContainer? standIn = state.StandIn(podNs, podName, container);
        if (standIn is null)
        {
            await TextAsync(c, 500, $"{failed} (fake kubelet: the seed gives container \"{container}\" of pod {podNs}/{podName} no \"docker\" stand-in container to checkpoint)");
            return;
        }

        string file = $"checkpoint-{podName}_{podNs}-{container}-{DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}.tar";
        string image = pod["spec"]!["containers"]!.AsArray().FirstOrDefault(x => x?["name"]?.GetValue<string>() == container)?["image"]?.GetValue<string>()
            ?? string.Empty;
        var request = new CheckpointLayout.Request(standIn.Docker, standIn.Runtime, podName, podNs, container)
        {
            Image = image.Length > 0 ? image : null,
            ContainerId = containerId.Length > 0 ? containerId : null,
        };
        try
        {
            await CheckpointLayout.CheckpointAsync(request, Path.Combine(state.NodeCheckpointDirectory(node), file));
        }
        catch (Exception e) when (e is CheckpointLayout.CheckpointFailedException or Docker.DockerException or IOException or ArgumentException)
        {
            await TextAsync(c, 500, $"{failed} (rpc error: code = Unknown desc = {e.Message})");
            return;
        }

        state.Record("checkpointed", podNs, podName, $"{container} {KubeletCheckpoints}/{file}");
        c.Response.StatusCode = 200;
        c.Response.ContentType = "application/json";
        await c.Response.WriteAsync($"{{\"items\":[\"{KubeletCheckpoints}/{file}\"]}}");
    }

    // The CRI id of the container: its containerID without the runtime:// prefix.
    private static string ContainerId(JsonObject pod, string container)
    {
        string? id = pod["status"]?["containerStatuses"]?.AsArray()
            .FirstOrDefault(s => s?["name"]?.GetValue<string>() == container)?["containerID"]?.GetValue<string>();
        return id is null ? string.Empty : id[(id.IndexOf("://", StringComparison.Ordinal) is int i and >= 0 ? i + 3 : 0)..];
    }

    private static async Task TextAsync(HttpContext c, int code, string text)
    {
        c.Response.StatusCode = code;
        c.Response.ContentType = "text/plain; charset=utf-8";
        await c.Response.WriteAsync(text, Encoding.UTF8);
    }
}
