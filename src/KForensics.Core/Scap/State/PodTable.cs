using System.Text.Json;

namespace KForensics.Core.Scap.State;

/// <summary>A Kubernetes pod as the capture's k8s events describe it.</summary>
public sealed record PodInfo(string Name, string Namespace, string Uid);

/// <summary>
/// Pods by container id, from the PPME_K8S_E events old sysdig agents recorded (the API server's
/// pod list and watch events). sysdig 0.29.3 answers k8s.pod.name from them when a capture has them.
/// </summary>
public sealed class PodTable
{
    private readonly Dictionary<string, PodInfo> _byContainer = new(StringComparer.Ordinal);

    public int Count => _byContainer.Count;

    public PodInfo? FindByContainer(string containerId) => _byContainer.TryGetValue(containerId, out PodInfo? p) ? p : null;

    /// <summary>Applies one k8s event: <c>{"kind":"Pod","type":"ADDED|MODIFIED|DELETED","items":[pod...]}</c>.</summary>
    public void Apply(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true });
            using JsonDocument doc = JsonDocument.ParseValue(ref reader);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "kind") != "Pod"
                || !root.TryGetProperty("items", out JsonElement items) || items.ValueKind != JsonValueKind.Array)
            {
                return;
            }

            bool deleted = Text(root, "type") == "DELETED";
            foreach (JsonElement pod in items.EnumerateArray())
            {
                var info = new PodInfo(Text(pod, "name"), Text(pod, "namespace"), Text(pod, "uid"));
                if (!pod.TryGetProperty("containerStatuses", out JsonElement statuses) || statuses.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (JsonElement status in statuses.EnumerateArray())
                {
                    string id = Text(status, "containerID");
                    int scheme = id.IndexOf("://", StringComparison.Ordinal);
                    if (scheme >= 0)
                    {
                        id = id[(scheme + 3)..];
                    }

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
                        _byContainer[id[..12]] = info;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // sysdig skips k8s events it cannot parse.
        }
    }

    private static string Text(JsonElement e, string name)
        => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
}
