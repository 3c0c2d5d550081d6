using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace FakeKubeApi;

/// <summary>The fake cluster: pods, nodes and namespaces as JSON objects, their watchers, logs and per-pod directories.</summary>
public sealed class ClusterState
{
    private readonly object _gate = new();
    private readonly Dictionary<(string Ns, string Name), JsonObject> _pods = new();
    private readonly Dictionary<string, JsonObject> _nodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _namespaces = new(StringComparer.Ordinal) { "default", "kube-system" };
    private readonly Dictionary<(string Ns, string Pod, string Container), List<string>> _logs = new();
    private readonly List<Watcher> _watchers = new();
    private readonly List<JsonObject> _history = new();
    private readonly Dictionary<(string Ns, string Pod, string Container), StandInContainer> _standIns = new();
    private long _resourceVersion = 1000;

    public ClusterState(string root)
    {
        Root = root;
        Directory.CreateDirectory(root);
    }

    /// <summary>Where each pod's emptyDir lives: Root/namespace/pod.</summary>
    public string Root { get; }

    public Scenario Scenario { get; set; } = new();

    public string? Token { get; set; }

    public sealed record Watcher(string Ns, string? LabelSelector, string? FieldSelector, Channel<(string Type, JsonObject Pod)> Events);

    public static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public string PodDirectory(string ns, string name) => Path.Combine(Root, ns, name);

    /// <summary>The node's kubelet checkpoints directory (what /var/lib/kubelet/checkpoints is on that node): Root/nodes/node/kubelet/checkpoints.</summary>
    public string NodeCheckpointDirectory(string node) => Path.Combine(Root, "nodes", node, "kubelet", "checkpoints");

    /// <summary>A seeded container played by a real Docker container, and the runtime (cri-o, containerd) its pod runs on.</summary>
    public sealed record StandInContainer(string Docker, string Runtime);

    public void SetStandIn(string ns, string pod, string container, StandInContainer standIn)
    {
        lock (_gate) _standIns[(ns, pod, container)] = standIn;
    }

    public StandInContainer? StandIn(string ns, string pod, string container)
    {
        lock (_gate) return _standIns.TryGetValue((ns, pod, container), out var d) ? d : null;
    }

    public void Record(string what, string ns, string name, string? detail = null)
    {
        lock (_gate)
        {
            _history.Add(new JsonObject { ["event"] = what, ["namespace"] = ns, ["name"] = name, ["detail"] = detail, ["time"] = Now() });
        }
    }

    public JsonArray History()
    {
        lock (_gate)
        {
            return new JsonArray(_history.Select(h => (JsonNode)h.DeepClone()).ToArray());
        }
    }

    public void AddNamespace(string ns)
    {
        lock (_gate) _namespaces.Add(ns);
    }

    public bool HasNamespace(string ns)
    {
        lock (_gate) return _namespaces.Contains(ns);
    }

    public IReadOnlyList<string> Namespaces()
    {
        lock (_gate) return _namespaces.OrderBy(n => n, StringComparer.Ordinal).ToList();
    }

    public void PutNode(JsonObject node)
    {
        lock (_gate) _nodes[node["metadata"]!["name"]!.GetValue<string>()] = node;
    }

    /// <summary>Removes a node (its kubelet directory stays on disk, as a disk outlives its machine).</summary>
    public bool DeleteNode(string name)
    {
        bool removed;
        lock (_gate) removed = _nodes.Remove(name);
        if (removed)
        {
            Record("node-deleted", string.Empty, name);
        }

        return removed;
    }

    public JsonObject? GetNode(string name)
    {
        lock (_gate) return _nodes.TryGetValue(name, out var n) ? (JsonObject)n.DeepClone() : null;
    }

    public IReadOnlyList<JsonObject> Nodes()
    {
        lock (_gate) return _nodes.Values.Select(n => (JsonObject)n.DeepClone()).ToList();
    }

    public JsonObject? GetPod(string ns, string name)
    {
        lock (_gate) return _pods.TryGetValue((ns, name), out var p) ? (JsonObject)p.DeepClone() : null;
    }

    public IReadOnlyList<JsonObject> ListPods(string? ns, string? labelSelector, string? fieldSelector)
    {
        lock (_gate)
        {
            return _pods.Values
                .Where(p => ns is null || p["metadata"]!["namespace"]!.GetValue<string>() == ns)
                .Where(p => LabelSelector.Matches(labelSelector, p["metadata"]!["labels"] as JsonObject))
                .Where(p => LabelSelector.MatchesFields(fieldSelector, p))
                .Select(p => (JsonObject)p.DeepClone())
                .ToList();
        }
    }

    public string ResourceVersion()
    {
        lock (_gate) return _resourceVersion.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Adds a pod (returns false when the name is taken) and tells the watchers.</summary>
    public bool AddPod(JsonObject pod)
    {
        string ns = pod["metadata"]!["namespace"]!.GetValue<string>();
        string name = pod["metadata"]!["name"]!.GetValue<string>();
        lock (_gate)
        {
            if (_pods.ContainsKey((ns, name)))
            {
                return false;
            }

            pod["metadata"]!["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
            _pods[(ns, name)] = pod;
            Notify("ADDED", pod);
        }

        Record("created", ns, name);
        return true;
    }

    /// <summary>Changes a pod under the lock and tells the watchers; false when it is gone.</summary>
    public bool UpdatePod(string ns, string name, Action<JsonObject> change)
    {
        lock (_gate)
        {
            if (!_pods.TryGetValue((ns, name), out var pod))
            {
                return false;
            }

            change(pod);
            pod["metadata"]!["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
            Notify("MODIFIED", pod);
            return true;
        }
    }

    public JsonObject? DeletePod(string ns, string name)
    {
        JsonObject? pod;
        lock (_gate)
        {
            if (!_pods.Remove((ns, name), out pod))
            {
                return null;
            }

            pod["metadata"]!["deletionTimestamp"] = Now();
            pod["metadata"]!["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
            Notify("DELETED", pod);
        }

        Record("deleted", ns, name);
        string dir = PodDirectory(ns, name);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        return pod;
    }

    public void AppendLog(string ns, string pod, string container, string line)
    {
        lock (_gate)
        {
            if (!_logs.TryGetValue((ns, pod, container), out var lines))
            {
                _logs[(ns, pod, container)] = lines = new List<string>();
            }

            lines.Add(line);
        }
    }

    public IReadOnlyList<string> Log(string ns, string pod, string container)
    {
        lock (_gate) return _logs.TryGetValue((ns, pod, container), out var lines) ? lines.ToList() : new List<string>();
    }

    /// <summary>Subscribes and returns the current matching pods in one step, so no change falls between them.</summary>
    public (Watcher Watcher, IReadOnlyList<JsonObject> Current) Watch(string ns, string? labelSelector, string? fieldSelector)
    {
        lock (_gate)
        {
            var watcher = new Watcher(ns, labelSelector, fieldSelector, Channel.CreateUnbounded<(string, JsonObject)>());
            _watchers.Add(watcher);
            return (watcher, ListPods(ns, labelSelector, fieldSelector));
        }
    }

    public void Unwatch(Watcher watcher)
    {
        lock (_gate) _watchers.Remove(watcher);
    }

    private void Notify(string type, JsonObject pod)
    {
        string ns = pod["metadata"]!["namespace"]!.GetValue<string>();
        foreach (Watcher w in _watchers)
        {
            if (w.Ns == ns && LabelSelector.Matches(w.LabelSelector, pod["metadata"]!["labels"] as JsonObject) && LabelSelector.MatchesFields(w.FieldSelector, pod))
            {
                w.Events.Writer.TryWrite((type, (JsonObject)pod.DeepClone()));
            }
        }
    }
}
