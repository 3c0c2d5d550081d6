using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>The REST side of the fake API server: pods (get, list, watch, create, delete, log), nodes, namespaces.</summary>
public static class Api
{
    public static void Map(WebApplication app, ClusterState state, Kubelet kubelet)
    {
        // Discovery, which every authenticated user may read: what a client asks first to learn the cluster answers.
        app.MapGet("/api/v1", () => Json(new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["groupVersion"] = "v1",
            ["resources"] = new JsonArray(new[] { ("namespaces", "Namespace", false), ("nodes", "Node", false), ("pods", "Pod", true), ("pods/exec", "PodExecOptions", true), ("pods/log", "Pod", true) }
                .Select(r => (JsonNode)new JsonObject { ["name"] = r.Item1, ["kind"] = r.Item2, ["namespaced"] = r.Item3, ["singularName"] = string.Empty, ["verbs"] = new JsonArray("get", "list") }).ToArray()),
        }));
        app.MapGet("/api/v1/namespaces", () => Json(List("NamespaceList", state, state.Namespaces().Select(NamespaceObject))));
        app.MapGet("/api/v1/namespaces/{ns}", async (HttpContext c, string ns) =>
        {
            if (!state.HasNamespace(ns)) { await WriteStatusAsync(c, 404, "NotFound", $"namespaces \"{ns}\" not found", ns, "namespaces"); return; }
            await WriteJsonAsync(c, 200, NamespaceObject(ns));
        });
        app.MapGet("/api/v1/nodes", () => Json(List("NodeList", state, state.Nodes())));
        app.MapGet("/api/v1/nodes/{name}", async (HttpContext c, string name) =>
        {
            if (state.GetNode(name) is not { } node) { await WriteStatusAsync(c, 404, "NotFound", $"nodes \"{name}\" not found", name, "nodes"); return; }
            await WriteJsonAsync(c, 200, node);
        });
        app.MapGet("/api/v1/pods", (HttpContext c) =>
            Json(List("PodList", state, state.ListPods(null, c.Request.Query["labelSelector"], c.Request.Query["fieldSelector"]))));
        app.MapGet("/api/v1/namespaces/{ns}/pods", async (HttpContext c, string ns) =>
        {
            string? labels = c.Request.Query["labelSelector"];
            string? fields = c.Request.Query["fieldSelector"];
            if (c.Request.Query["watch"] is var w && (w == "true" || w == "1"))
            {
                await WatchAsync(c, state, ns, labels, fields);
                return;
            }

            await WriteJsonAsync(c, 200, List("PodList", state, state.ListPods(ns, labels, fields)));
        });
        app.MapPost("/api/v1/namespaces/{ns}/pods", async (HttpContext c, string ns) => await CreatePodAsync(c, state, kubelet, ns));
        app.MapGet("/api/v1/namespaces/{ns}/pods/{name}", async (HttpContext c, string ns, string name) =>
        {
            if (state.Scenario.Mode == "etcd-timeout") { await WriteStatusAsync(c, 500, "InternalError", "Internal error occurred: etcdserver: request timed out", name); return; }
            if (state.GetPod(ns, name) is not { } pod) { await WriteStatusAsync(c, 404, "NotFound", $"pods \"{name}\" not found", name); return; }
            await WriteJsonAsync(c, 200, pod);
        });
        app.MapDelete("/api/v1/namespaces/{ns}/pods/{name}", async (HttpContext c, string ns, string name) =>
        {
            if (state.Scenario.Mode == "forbidden-delete") { await WriteStatusAsync(c, 403, "Forbidden", Forbidden("delete", ns), name); return; }
            if (state.DeletePod(ns, name) is not { } pod) { await WriteStatusAsync(c, 404, "NotFound", $"pods \"{name}\" not found", name); return; }
            await WriteJsonAsync(c, 200, pod);
        });
        app.MapGet("/api/v1/namespaces/{ns}/pods/{name}/log", async (HttpContext c, string ns, string name) =>
        {
            if (state.GetPod(ns, name) is null) { await WriteStatusAsync(c, 404, "NotFound", $"pods \"{name}\" not found", name); return; }
            string container = c.Request.Query["container"].FirstOrDefault() ?? string.Empty;
            var lines = state.Log(ns, name, container);
            if (int.TryParse(c.Request.Query["tailLines"], out int tail) && tail < lines.Count)
            {
                lines = lines.Skip(lines.Count - tail).ToList();
            }

            c.Response.ContentType = "text/plain";
            await c.Response.WriteAsync(string.Concat(lines.Select(l => l + "\n")));
        });
        app.Map("/api/v1/namespaces/{ns}/pods/{name}/exec", (HttpContext c, string ns, string name) => ExecHandler.HandleAsync(c, state, kubelet, ns, name));
    }

    public static string Forbidden(string verb, string ns) =>
        $"pods is forbidden: User \"system:serviceaccount:{ns}:analyst\" cannot {verb} resource \"pods\" in API group \"\" in the namespace \"{ns}\"";

    private static async Task CreatePodAsync(HttpContext c, ClusterState state, Kubelet kubelet, string ns)
    {
        if (state.Scenario.Mode == "forbidden-create")
        {
            await WriteStatusAsync(c, 403, "Forbidden", Forbidden("create", ns), null);
            return;
        }

        if (!state.HasNamespace(ns))
        {
            await WriteStatusAsync(c, 404, "NotFound", $"namespaces \"{ns}\" not found", ns, "namespaces");
            return;
        }

        var pod = (await JsonNode.ParseAsync(c.Request.Body))!.AsObject();
        var meta = pod["metadata"]!.AsObject();
        string? name = meta["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name) || name.Length > 253 || pod["spec"]?["containers"] is null)
        {
            await WriteStatusAsync(c, 422, "Invalid", "Pod is invalid: metadata.name or spec.containers missing", name);
            return;
        }

        meta["namespace"] = ns;
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = ClusterState.Now();
        pod["status"] = new JsonObject { ["phase"] = "Pending" };
        if (!state.AddPod(pod))
        {
            await WriteStatusAsync(c, 409, "AlreadyExists", $"pods \"{name}\" already exists", name);
            return;
        }

        kubelet.Start(ns, name);
        await WriteJsonAsync(c, 201, state.GetPod(ns, name)!);
    }

    // A watch is one long response of JSON lines, {"type": ..., "object": ...}, flushed one by one.
    private static async Task WatchAsync(HttpContext c, ClusterState state, string ns, string? labels, string? fields)
    {
        var (watcher, current) = state.Watch(ns, labels, fields);
        try
        {
            int timeout = int.TryParse(c.Request.Query["timeoutSeconds"], out int t) && t > 0 ? t : 1800;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(c.RequestAborted);
            cts.CancelAfter(TimeSpan.FromSeconds(timeout));
            c.Response.ContentType = "application/json";
            await c.Response.StartAsync();
            foreach (JsonObject pod in current)
            {
                await WriteEventAsync(c, "ADDED", pod);
            }

            try
            {
                await foreach (var (type, pod) in watcher.Events.Reader.ReadAllAsync(cts.Token))
                {
                    await WriteEventAsync(c, type, pod);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
        finally
        {
            state.Unwatch(watcher);
        }
    }

    private static async Task WriteEventAsync(HttpContext c, string type, JsonObject pod)
    {
        string line = new JsonObject { ["type"] = type, ["object"] = pod }.ToJsonString() + "\n";
        await c.Response.WriteAsync(line);
        await c.Response.Body.FlushAsync();
    }

    private static JsonObject NamespaceObject(string ns) => new()
    {
        ["kind"] = "Namespace",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject { ["name"] = ns, ["uid"] = "ns-" + ns },
        ["status"] = new JsonObject { ["phase"] = "Active" },
    };

    private static JsonObject List(string kind, ClusterState state, IEnumerable<JsonObject> items) => new()
    {
        ["kind"] = kind,
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject { ["resourceVersion"] = state.ResourceVersion() },
        ["items"] = new JsonArray(items.Select(i => (JsonNode)i).ToArray()),
    };

    private static IResult Json(JsonObject body) => Results.Text(body.ToJsonString(), "application/json", Encoding.UTF8);

    public static async Task WriteJsonAsync(HttpContext c, int code, JsonNode body)
    {
        c.Response.StatusCode = code;
        c.Response.ContentType = "application/json";
        await c.Response.WriteAsync(body.ToJsonString(GoLike));
    }

    // Quotes escaped as \" (as Go's encoding/json writes them), not \u0022.
    private static readonly JsonSerializerOptions GoLike = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task WriteStatusAsync(HttpContext c, int code, string reason, string message, string? name, string kind = "pods")
        => WriteJsonAsync(c, code, new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["details"] = new JsonObject { ["name"] = name, ["kind"] = kind },
            ["code"] = code,
        });

    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
}
