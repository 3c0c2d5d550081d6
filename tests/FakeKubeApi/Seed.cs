using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// Puts namespaces, nodes and running workload pods into the fake cluster from a short description:
/// {"namespaces": [..], "nodes": [{"name", "taints": [{"key","value","effect"}]}],
///  "pods": [{"name", "namespace", "node", "labels": {..}, "runtime": "containerd", "containers": [{"name", "image"}]}]}.
/// </summary>
public static class Seed
{
    public static void Apply(ClusterState state, JsonObject seed)
    {
        foreach (JsonNode? ns in seed["namespaces"]?.AsArray() ?? new JsonArray())
        {
            state.AddNamespace(ns!.GetValue<string>());
        }

        foreach (JsonNode? n in seed["nodes"]?.AsArray() ?? new JsonArray())
        {
            string name = n!["name"]!.GetValue<string>();
            state.PutNode(new JsonObject
            {
                ["kind"] = "Node",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject { ["name"] = name, ["uid"] = Guid.NewGuid().ToString(), ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = name } },
                ["spec"] = new JsonObject { ["taints"] = n["taints"]?.DeepClone() ?? new JsonArray() },
                ["status"] = new JsonObject { ["nodeInfo"] = new JsonObject { ["containerRuntimeVersion"] = "containerd://1.7.24", ["kernelVersion"] = "6.8.0" } },
            });
        }

        foreach (JsonNode? p in seed["pods"]?.AsArray() ?? new JsonArray())
        {
            string ns = p!["namespace"]?.GetValue<string>() ?? "default";
            string runtime = p["runtime"]?.GetValue<string>() ?? "containerd";
            string now = ClusterState.Now();
            var containers = p["containers"]!.AsArray();
            state.AddNamespace(ns);
            state.AddPod(new JsonObject
            {
                ["kind"] = "Pod",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject
                {
                    ["name"] = p["name"]!.GetValue<string>(),
                    ["namespace"] = ns,
                    ["uid"] = p["uid"]?.GetValue<string>() ?? Guid.NewGuid().ToString(),
                    ["creationTimestamp"] = now,
                    ["labels"] = p["labels"]?.DeepClone() ?? new JsonObject(),
                },
                ["spec"] = new JsonObject
                {
                    ["nodeName"] = p["node"]?.DeepClone(),
                    ["containers"] = new JsonArray(containers.Select(c => (JsonNode)new JsonObject { ["name"] = c!["name"]!.DeepClone(), ["image"] = c["image"]!.DeepClone() }).ToArray()),
                },
                ["status"] = p["node"] is null
                    ? new JsonObject { ["phase"] = "Pending" }
                    : new JsonObject
                    {
                        ["phase"] = "Running",
                        ["startTime"] = now,
                        ["containerStatuses"] = new JsonArray(containers.Select(c => (JsonNode)new JsonObject
                        {
                            ["name"] = c!["name"]!.DeepClone(),
                            ["image"] = c["image"]!.DeepClone(),
                            ["imageID"] = c["image"]!.GetValue<string>() + "@sha256:" + new string('1', 64),
                            ["containerID"] = c["id"]?.GetValue<string>() ?? Kubelet.NewContainerId().Replace("containerd", runtime),
                            ["ready"] = true,
                            ["restartCount"] = 0,
                            ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
                        }).ToArray()),
                    },
            });
        }
    }
}
