using System.Net;
using System.Text.Json;

namespace KForensics.Core.Scap.State;

/// <summary>A Kubernetes pod as the capture's k8s state events describe it.</summary>
internal sealed record PodInfo(string Name, string Namespace, string Uid, IReadOnlyDictionary<string, string> Labels, IPAddress? Ip);

/// <summary>
/// Pods from the k8s state events (PPME_K8S_E) that agent captures carry: sysdig replays them, so
/// k8s.pod.* is known for containers whose own metadata has no Kubernetes labels.
/// </summary>
internal sealed class PodTable
{
    private readonly Dictionary<string, PodInfo> _byContainer = new(StringComparer.Ordinal);

    public int Count => _byContainer.Count;

    /// <summary>The pod a container (12-character id) belongs to, if a k8s event named it.</summary>
    public PodInfo? FindByContainer(string containerId) => _byContainer.TryGetValue(containerId, out PodInfo? p) ? p : null;

    /// <summary>Applies one k8s event: <c>{"kind":"Pod","type":"ADDED|MODIFIED|DELETED","items":[...]}</c>; other kinds are ignored.</summary>
    public void Apply(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json.TrimEnd((byte)0), new JsonReaderOptions { AllowTrailingCommas = true });
            using JsonDocument doc = JsonDocument.ParseValue(ref reader);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "kind") is not ("Pod" or "Pods")
                || !root.TryGetProperty("items", out JsonElement items) || items.ValueKind != JsonValueKind.Array)
            {
                return;
            }

            bool deleted = Text(root, "type") == "DELETED";
            foreach (JsonElement item in items.EnumerateArray())
            {
                ApplyPod(item, deleted);
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // sysdig skips k8s events it cannot parse; so do we.
        }
    }

    private void ApplyPod(JsonElement item, bool deleted)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("containerStatuses", out JsonElement statuses)
            || statuses.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (item.TryGetProperty("labels", out JsonElement l) && l.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty p in l.EnumerateObject())
            {
                labels[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? string.Empty : p.Value.ToString();
            }
        }

        var pod = new PodInfo(Text(item, "name"), Text(item, "namespace"), Text(item, "uid"), labels,
            IPAddress.TryParse(Text(item, "podIP"), out IPAddress? ip) ? ip : null);
        foreach (JsonElement status in statuses.EnumerateArray())
        {
            string id = Text(status, "containerID");
            int scheme = id.IndexOf("://", StringComparison.Ordinal);
            id = scheme >= 0 ? id[(scheme + 3)..] : id;
            if (id.Length < 12)
            {
                continue;
            }

            if (deleted)
            {
                _byContainer.Remove(id[..12]);
            }
            else
            {
                _byContainer[id[..12]] = pod;
            }
        }
    }

    private static string Text(JsonElement e, string name)
        => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? string.Empty : string.Empty;
}
