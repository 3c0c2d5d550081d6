using System.Net;
using System.Text.Json;

namespace KForensics.Core.Scap.State;

/// <summary>A Kubernetes object (namespace, pod, controller, service, deployment) as the capture's k8s events describe it.</summary>
internal class K8sObject(string name, string uid, string @namespace)
{
    public string Name { get; } = name;

    public string Uid { get; } = uid;

    public string Namespace { get; } = @namespace;

    /// <summary>The labels with string values, by key in ordinal order (as the k8s state keeps them).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; set; } = [];

    /// <summary>The label selector (matchLabels); an object without one selects no pod.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Selectors { get; set; } = [];

    /// <summary>Whether this object selects a pod: same namespace, and every selector among the pod's labels.</summary>
    public bool Selects(PodInfo pod)
        => Selectors.Count > 0 && pod.Labels.Count > 0 && Namespace == pod.Namespace
            && Selectors.All(s => pod.Labels.Any(l => l.Key == s.Key && l.Value == s.Value));
}

/// <summary>A Kubernetes pod as the capture's k8s events describe it.</summary>
internal sealed class PodInfo(string name, string uid, string @namespace) : K8sObject(name, uid, @namespace)
{
    public IReadOnlyList<string> ContainerIds { get; set; } = [];

    public IPAddress? Ip { get; set; }
}

/// <summary>
/// The k8s state that sysdig agent captures carry as PPME_K8S_E events (<c>{"kind","type","items":[...]}</c>,
/// one kind per event): sysdig replays them into a state of namespaces, pods, replication controllers, replica
/// sets, services and deployments, and answers k8s.* from it for containers whose own labels do not.
/// </summary>
/// <remarks>
/// The links are sysdig's: a container belongs to the last pod that lists it; the namespace is found by name
/// (the first one of that name); a controller, replica set, service or deployment is linked to the pods its
/// selector matches at the time an event of its own kind arrives (the first one wins, services all count),
/// and those links are not revised when pods change later.
/// </remarks>
internal sealed class K8sTable
{
    private readonly HashSet<string> _uids = new(StringComparer.Ordinal);
    private readonly List<K8sObject> _namespaces = [];
    private readonly List<PodInfo> _pods = [];
    private readonly List<K8sObject> _controllers = [];
    private readonly List<K8sObject> _replicaSets = [];
    private readonly List<K8sObject> _services = [];
    private readonly List<K8sObject> _deployments = [];
    private readonly Dictionary<string, K8sObject> _namespaceByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PodInfo> _podByContainer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, K8sObject> _controllerByPod = new(StringComparer.Ordinal);
    private readonly Dictionary<string, K8sObject> _replicaSetByPod = new(StringComparer.Ordinal);
    private readonly Dictionary<string, K8sObject> _deploymentByPod = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<K8sObject>> _servicesByPod = new(StringComparer.Ordinal);

    /// <summary>Whether a k8s event has been read: from then on k8s.* falls back on this state.</summary>
    public bool HasState { get; private set; }

    /// <summary>The pod a container (12-character id) belongs to.</summary>
    public PodInfo? FindByContainer(string containerId) => _podByContainer.GetValueOrDefault(containerId);

    public K8sObject? NamespaceOf(PodInfo pod) => _namespaceByName.GetValueOrDefault(pod.Namespace);

    public K8sObject? ControllerOf(PodInfo pod) => _controllerByPod.GetValueOrDefault(pod.Uid);

    public K8sObject? ReplicaSetOf(PodInfo pod) => _replicaSetByPod.GetValueOrDefault(pod.Uid);

    public K8sObject? DeploymentOf(PodInfo pod) => _deploymentByPod.GetValueOrDefault(pod.Uid);

    public IReadOnlyList<K8sObject> ServicesOf(PodInfo pod) => _servicesByPod.TryGetValue(pod.Uid, out List<K8sObject>? s) ? s : [];

    /// <summary>Applies one k8s event; kinds the state does not keep (nodes, daemon sets, events) are ignored.</summary>
    public void Apply(ReadOnlySpan<byte> json)
    {
        HasState = true;
        try
        {
            var reader = new Utf8JsonReader(json.TrimEnd((byte)0), new JsonReaderOptions { AllowTrailingCommas = true });
            using JsonDocument doc = JsonDocument.ParseValue(ref reader);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "type") is not { Length: > 0 } type
                || !root.TryGetProperty("items", out JsonElement items) || items.ValueKind != JsonValueKind.Array)
            {
                return;
            }

            string kind = Text(root, "kind");
            foreach (JsonElement item in items.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object)
                {
                    Apply(kind, type[0], item);
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // sysdig skips k8s events it cannot parse; so do we.
        }
    }

    private void Apply(string kind, char reason, JsonElement item)
    {
        bool changed;
        switch (kind)
        {
            case "Namespace": changed = Handle(_namespaces, reason, item, (n, u, _) => new K8sObject(n, u, string.Empty), SelectorRule.None); break;
            case "Pod": changed = Handle(_pods, reason, item, (n, u, ns) => new PodInfo(n, u, ns), SelectorRule.None); break;
            case "ReplicationController": changed = Handle(_controllers, reason, item, (n, u, ns) => new K8sObject(n, u, ns), SelectorRule.Always); break;
            case "ReplicaSet": changed = Handle(_replicaSets, reason, item, (n, u, ns) => new K8sObject(n, u, ns), SelectorRule.Always); break;
            case "Service": changed = Handle(_services, reason, item, (n, u, ns) => new K8sObject(n, u, ns), SelectorRule.WhenAny); break;
            case "Deployment": changed = Handle(_deployments, reason, item, (n, u, ns) => new K8sObject(n, u, ns), SelectorRule.Always); break;
            default: return;
        }

        if (changed)
        {
            Relink(kind);
        }
    }

    /// <summary>ADDED (or MODIFIED of a known uid) adds or updates the object, DELETED of a known uid removes it; false when nothing was done.</summary>
    private bool Handle<T>(List<T> list, char reason, JsonElement item, Func<string, string, string, T> create, SelectorRule selectorRule)
        where T : K8sObject
    {
        string uid = Text(item, "uid");
        if (reason is not ('A' or 'M' or 'D') || (reason != 'A' && !_uids.Contains(uid)))
        {
            return false;
        }

        if (reason == 'D')
        {
            int index = list.FindIndex(o => o.Uid == uid);
            if (index < 0)
            {
                return false;
            }

            list.RemoveAt(index);
            _uids.Remove(uid);
            return true;
        }

        T? o = list.Find(x => x.Uid == uid);
        if (o is null)
        {
            o = create(Text(item, "name"), uid, Text(item, "namespace"));
            list.Add(o);
            _uids.Add(uid);
        }

        // Labels (and a service's selector) are replaced only by a non-empty set; the selector of the others whenever one is given.
        if (Pairs(item, "labels") is { Count: > 0 } labels)
        {
            o.Labels = labels;
        }

        if (selectorRule == SelectorRule.Always && item.TryGetProperty("selector", out JsonElement selector) && selector.ValueKind != JsonValueKind.Null)
        {
            o.Selectors = Pairs(item, "selector");
        }
        else if (selectorRule == SelectorRule.WhenAny && Pairs(item, "selector") is { Count: > 0 } selectors)
        {
            o.Selectors = selectors;
        }

        if (o is PodInfo pod)
        {
            pod.ContainerIds = ContainerIds(item);
            pod.Ip = IPAddress.TryParse(Text(item, "podIP"), out IPAddress? ip) ? ip : null;
        }

        return true;
    }

    /// <summary>Rebuilds the links of one kind from the objects known now, as sysdig's cache update does after each item.</summary>
    private void Relink(string kind)
    {
        switch (kind)
        {
            case "Namespace":
                _namespaceByName.Clear();
                foreach (K8sObject ns in _namespaces)
                {
                    _namespaceByName.TryAdd(ns.Name, ns);
                }

                break;
            case "Pod":
                _podByContainer.Clear();
                foreach (PodInfo pod in _pods)
                {
                    foreach (string id in pod.ContainerIds)
                    {
                        if (ContainerKey(id) is { } key)
                        {
                            _podByContainer[key] = pod;
                        }
                    }
                }

                break;
            case "ReplicationController": Link(_controllers, _controllerByPod); break;
            case "ReplicaSet": Link(_replicaSets, _replicaSetByPod); break;
            case "Deployment": Link(_deployments, _deploymentByPod); break;
            case "Service":
                _servicesByPod.Clear();
                foreach (K8sObject service in _services)
                {
                    foreach (PodInfo pod in _pods.Where(service.Selects))
                    {
                        if (!_servicesByPod.TryGetValue(pod.Uid, out List<K8sObject>? list))
                        {
                            _servicesByPod[pod.Uid] = list = [];
                        }

                        // sysdig's multimap yields the services of a pod newest-linked first.
                        list.Insert(0, service);
                    }
                }

                break;
        }
    }

    private void Link(List<K8sObject> owners, Dictionary<string, K8sObject> byPod)
    {
        byPod.Clear();
        foreach (K8sObject owner in owners)
        {
            foreach (PodInfo pod in _pods.Where(owner.Selects))
            {
                byPod.TryAdd(pod.Uid, owner);
            }
        }
    }

    /// <summary>The container id a pod's status names, as a container's id: docker, containerd and CRI-O ids cut to 12 characters.</summary>
    private enum SelectorRule
    {
        None,
        Always,
        WhenAny,
    }

    private static string? ContainerKey(string id)
    {
        foreach (string prefix in (ReadOnlySpan<string>)["docker://", "containerd://", "cri-o://"])
        {
            if (id.StartsWith(prefix, StringComparison.Ordinal))
            {
                string rest = id[prefix.Length..];
                return rest.Length > 12 ? rest[..12] : rest;
            }
        }

        return id.StartsWith("rkt://", StringComparison.Ordinal) ? id["rkt://".Length..] : null;
    }

    private static List<string> ContainerIds(JsonElement item)
    {
        var ids = new List<string>();
        foreach (string name in (ReadOnlySpan<string>)["containerStatuses", "initContainerStatuses"])
        {
            if (item.TryGetProperty(name, out JsonElement statuses) && statuses.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement status in statuses.EnumerateArray())
                {
                    if (status.ValueKind == JsonValueKind.Object && status.TryGetProperty("containerID", out JsonElement id) && id.ValueKind == JsonValueKind.String)
                    {
                        ids.Add(id.GetString() ?? string.Empty);
                    }
                }
            }
        }

        return ids;
    }

    /// <summary>The string members of an object, in ordinal key order.</summary>
    private static List<KeyValuePair<string, string>> Pairs(JsonElement item, string name)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        if (item.TryGetProperty(name, out JsonElement o) && o.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty p in o.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.String)
                {
                    pairs.Add(new(p.Name, p.Value.GetString() ?? string.Empty));
                }
            }
        }

        pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return pairs;
    }

    private static string Text(JsonElement e, string name)
        => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? string.Empty : string.Empty;
}
