using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// Puts namespaces, nodes and running workload pods into the fake cluster from a short description:
/// {"namespaces": [..], "nodes": [{"name", "runtime": "cri-o"|"containerd", "taints": [{"key","value","effect"}]}],
///  "pods": [{"name", "namespace", "node", "labels": {..}, "runtime": "containerd"|"cri-o",
///            "containers": [{"name", "image", "id", "docker": "docker container name", "terminated": true}]}]}.
/// A node's runtime sets nodeInfo.containerRuntimeVersion (cri-o://1.31.0, containerd://2.0.0; containerd://1.7.24
/// when absent). A container's "docker" names a running Docker container that plays it for checkpoints; its
/// containerID is then runtime://(the Docker container's id) unless "id" is given. The pod's runtime decides
/// the checkpoint archive layout.
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
            string runtimeVersion = n["runtime"]?.GetValue<string>() switch
            {
                null => "containerd://1.7.24",
                "cri-o" => "cri-o://1.31.0",
                "containerd" => "containerd://2.0.0",
                string other => other.Contains("://", StringComparison.Ordinal) ? other : other + "://1.0.0",
            };
            Directory.CreateDirectory(state.NodeCheckpointDirectory(name));
            state.PutNode(new JsonObject
            {
                ["kind"] = "Node",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject { ["name"] = name, ["uid"] = Guid.NewGuid().ToString(), ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = name } },
                ["spec"] = new JsonObject { ["taints"] = n["taints"]?.DeepClone() ?? new JsonArray() },
                ["status"] = new JsonObject { ["nodeInfo"] = new JsonObject { ["containerRuntimeVersion"] = runtimeVersion, ["kernelVersion"] = "6.8.0" } },
            });
        }

        foreach (JsonNode? p in seed["pods"]?.AsArray() ?? new JsonArray())
        {
            string ns = p!["namespace"]?.GetValue<string>() ?? "default";
            string runtime = p["runtime"]?.GetValue<string>() ?? "containerd";
            string now = ClusterState.Now();
            string podName = p["name"]!.GetValue<string>();
            var containers = p["containers"]!.AsArray();
            var ids = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonNode? c in containers)
            {
                string cname = c!["name"]!.GetValue<string>();
                string? docker = c["docker"]?.GetValue<string>();
                if (c["id"] is { } id)
                {
                    ids[cname] = id.GetValue<string>();
                }
                else if (docker is not null)
                {
                    ids[cname] = runtime + "://" + Docker.ContainerId(docker);
                }

                if (docker is not null)
                {
                    state.SetStandIn(ns, podName, cname, new ClusterState.StandInContainer(docker, runtime));
                }
            }

            state.AddNamespace(ns);
            state.AddPod(new JsonObject
            {
                ["kind"] = "Pod",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject
                {
                    ["name"] = podName,
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
                            ["containerID"] = ids.TryGetValue(c["name"]!.GetValue<string>(), out string? known) ? known : Kubelet.NewContainerId().Replace("containerd", runtime),
                            ["ready"] = c["terminated"]?.GetValue<bool>() != true,
                            ["restartCount"] = 0,
                            // "terminated": the container ran and exited (a finished job's container, a crashed sidecar).
                            ["state"] = c["terminated"]?.GetValue<bool>() == true
                                ? new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 0, ["reason"] = "Completed", ["startedAt"] = now, ["finishedAt"] = now } }
                                : new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
                        }).ToArray()),
                    },
            });
        }
    }
}
