using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// Plays the kubelet for pods created through the API: containers start after a delay; a container that
/// runs sysdig with -w ends after its -M seconds (capped by the scenario), leaving the capture in the pod's
/// emptyDir directory, or fails, or never ends, as the scenario says.
/// </summary>
public sealed class Kubelet
{
    private readonly ClusterState _state;

    public Kubelet(ClusterState state) => _state = state;

    public void Start(string ns, string name) => _ = Task.Run(() => RunAsync(ns, name));

    public static string NewContainerId() => "containerd://" + Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();

    private async Task RunAsync(string ns, string name)
    {
        Scenario scenario = _state.Scenario;
        await Task.Delay(scenario.StartDelayMilliseconds);
        JsonObject? pod = _state.GetPod(ns, name);
        if (pod is null)
        {
            return;
        }

        string started = ClusterState.Now();
        var containers = pod["spec"]!["containers"]!.AsArray();
        if (!_state.UpdatePod(ns, name, p =>
            {
                p["status"] = new JsonObject
                {
                    ["phase"] = "Running",
                    ["startTime"] = started,
                    ["hostIP"] = "10.0.0.10",
                    ["podIP"] = "10.0.0.10",
                    ["containerStatuses"] = new JsonArray(containers.Select(c => (JsonNode)new JsonObject
                    {
                        ["name"] = c!["name"]!.GetValue<string>(),
                        ["image"] = c["image"]!.GetValue<string>(),
                        ["imageID"] = c["image"]!.GetValue<string>() + "@sha256:" + new string('0', 64),
                        ["containerID"] = NewContainerId(),
                        ["ready"] = true,
                        ["restartCount"] = 0,
                        ["started"] = true,
                        ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = started } },
                    }).ToArray()),
                };
            }))
        {
            return;
        }

        foreach (JsonNode? c in containers)
        {
            List<string> argv = (c!["command"]?.AsArray() ?? new JsonArray()).Concat(c["args"]?.AsArray() ?? new JsonArray())
                .Select(a => a!.GetValue<string>()).ToList();
            if (argv.Contains("sysdig") && argv.Contains("-w"))
            {
                _ = Task.Run(() => RunSysdigAsync(ns, name, c["name"]!.GetValue<string>(), argv, pod, scenario));
            }
        }
    }

    private async Task RunSysdigAsync(string ns, string name, string container, List<string> argv, JsonObject pod, Scenario scenario)
    {
        _state.AppendLog(ns, name, container, "sysdig: capturing with " + string.Join(' ', argv));
        if (scenario.Mode == "hang")
        {
            return;
        }

        double seconds = double.Parse(ArgAfter(argv, "-M") ?? "0", CultureInfo.InvariantCulture);
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(seconds, scenario.MaxCaptureSeconds)));
        if (_state.GetPod(ns, name) is null)
        {
            return;
        }

        int exitCode = 0;
        string? output = MapToPodDirectory(pod, ArgAfter(argv, "-w"), ns, name);
        switch (scenario.Mode)
        {
            case "sysdig-fails":
                _state.AppendLog(ns, name, container, "* Looking for a modern eBPF probe");
                _state.AppendLog(ns, name, container, "Unable to load the driver: failed to open the modern BPF probe (permission denied)");
                exitCode = 1;
                break;
            case "empty":
                if (output is not null)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(output)!);
                    await File.WriteAllBytesAsync(output, Array.Empty<byte>());
                }

                break;
            case "not-scap":
                // A well-formed gzip stream whose content is not a capture (what a wrong -w target would leave).
                Directory.CreateDirectory(Path.GetDirectoryName(output!)!);
                await using (var target = File.Create(output!))
                await using (var gzip = new GZipStream(target, CompressionLevel.Optimal))
                {
                    await gzip.WriteAsync("this is not a scap file\n"u8.ToArray());
                }

                break;
            default:
                if (output is null || scenario.CaptureSource is null)
                {
                    _state.AppendLog(ns, name, container, "sysdig: no output path or no capture source configured");
                    exitCode = 2;
                    break;
                }

                Directory.CreateDirectory(Path.GetDirectoryName(output)!);
                await using (var source = File.OpenRead(scenario.CaptureSource))
                await using (var target = File.Create(output))
                await using (var gzip = new GZipStream(target, CompressionLevel.Optimal))
                {
                    await source.CopyToAsync(gzip);
                }

                _state.AppendLog(ns, name, container, $"sysdig: capture written to {ArgAfter(argv, "-w")}");
                break;
        }

        string finished = ClusterState.Now();
        _state.UpdatePod(ns, name, p =>
        {
            foreach (JsonNode? s in p["status"]!["containerStatuses"]!.AsArray())
            {
                if (s!["name"]!.GetValue<string>() == container)
                {
                    string startedAt = s["state"]!["running"]!["startedAt"]!.GetValue<string>();
                    s["ready"] = false;
                    s["started"] = false;
                    s["state"] = new JsonObject
                    {
                        ["terminated"] = new JsonObject
                        {
                            ["exitCode"] = exitCode,
                            ["reason"] = exitCode == 0 ? "Completed" : "Error",
                            ["startedAt"] = startedAt,
                            ["finishedAt"] = finished,
                            ["containerID"] = s["containerID"]!.GetValue<string>(),
                        },
                    };
                }
            }
        });
    }

    /// <summary>Maps a path inside the pod to the pod's directory, through the emptyDir volume's mount.</summary>
    public string? MapToPodDirectory(JsonObject pod, string? containerPath, string ns, string name) => MapPath(pod, containerPath, ns, name)?.File;

    /// <summary>Where a path inside one of the pod's volumes is in the fake, and how the container mounts it.</summary>
    /// <param name="File">The file in the fake's state directory.</param>
    /// <param name="ReadOnly">The volume mount is readOnly.</param>
    /// <param name="Node">For a hostPath of the kubelet checkpoints directory: the node it lives on; else null.</param>
    public sealed record MappedPath(string File, bool ReadOnly, string? Node);

    /// <summary>
    /// Maps a path inside the pod through its volume mounts (the exec'd container's first, then the others):
    /// an emptyDir to the pod's directory, a hostPath at or under /var/lib/kubelet/checkpoints to that directory
    /// of the pod's node (<see cref="ClusterState.NodeCheckpointDirectory"/>). Null outside every volume.
    /// </summary>
    public MappedPath? MapPath(JsonObject pod, string? containerPath, string ns, string name, string? container = null)
    {
        if (containerPath is null)
        {
            return null;
        }

        var volumes = (pod["spec"]!["volumes"]?.AsArray() ?? new JsonArray())
            .Where(v => v?["name"] is not null)
            .ToDictionary(v => v!["name"]!.GetValue<string>(), v => v!.AsObject(), StringComparer.Ordinal);
        var containers = (pod["spec"]!["containers"]?.AsArray() ?? new JsonArray())
            .OrderBy(c => c?["name"]?.GetValue<string>() == container ? 0 : 1);
        string? node = pod["spec"]!["nodeName"]?.GetValue<string>();
        foreach (JsonNode? c in containers)
        {
            foreach (JsonNode? m in c!["volumeMounts"]?.AsArray() ?? new JsonArray())
            {
                string mount = m!["mountPath"]!.GetValue<string>().TrimEnd('/');
                if (!volumes.TryGetValue(m["name"]!.GetValue<string>(), out JsonObject? volume)
                    || !(containerPath == mount || containerPath.StartsWith(mount + "/", StringComparison.Ordinal)))
                {
                    continue;
                }

                bool readOnly = m["readOnly"]?.GetValue<bool>() ?? false;
                string rest = containerPath[mount.Length..].TrimStart('/');
                string? baseDir = null, onNode = null;
                if (volume["emptyDir"] is not null)
                {
                    baseDir = _state.PodDirectory(ns, name);
                }
                else if (volume["hostPath"]?["path"]?.GetValue<string>()?.TrimEnd('/') is { } host && node is not null
                    && (host == CheckpointApi.KubeletCheckpoints || host.StartsWith(CheckpointApi.KubeletCheckpoints + "/", StringComparison.Ordinal)))
                {
                    baseDir = Path.Combine(_state.NodeCheckpointDirectory(node), host[CheckpointApi.KubeletCheckpoints.Length..].TrimStart('/'));
                    onNode = node;
                }

                if (baseDir is null)
                {
                    continue;
                }

                string root = Path.GetFullPath(baseDir);
                string file = Path.GetFullPath(Path.Combine(root, rest));
                if (file != root && !file.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal))
                {
                    return null;
                }

                return new MappedPath(file, readOnly, onNode);
            }
        }

        return null;
    }

    private static string? ArgAfter(List<string> argv, string flag)
    {
        int i = argv.IndexOf(flag);
        return i >= 0 && i + 1 < argv.Count ? argv[i + 1] : null;
    }
}
