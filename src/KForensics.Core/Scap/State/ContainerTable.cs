using System.Text.Json;

namespace KForensics.Core.Scap.State;

/// <summary>Containers by id, filled from container events; ids come from thread cgroups.</summary>
internal sealed class ContainerTable
{
    private const int FullIdLength = 64;
    private const int ReportedIdLength = 12;

    private readonly Dictionary<string, ContainerInfo> _containers = new(StringComparer.Ordinal);

    public int Count => _containers.Count;

    public IEnumerable<ContainerInfo> All => _containers.Values;

    public ContainerInfo? Find(string id) => _containers.TryGetValue(id, out ContainerInfo? c) ? c : null;

    /// <summary>
    /// sinsp's docker cgroup layouts (the only engine that resolves offline): a cgroup ending in
    /// <c>/&lt;64 hex&gt;</c> or <c>/docker-&lt;64 hex&gt;.scope</c> names the container by its first 12
    /// characters. Returns "" for the host. An id first seen this way is registered without metadata.
    /// </summary>
    public string ResolveId(IReadOnlyList<string> cgroups)
    {
        foreach (string entry in cgroups)
        {
            int eq = entry.LastIndexOf('=');
            if (eq < 0)
            {
                continue;
            }

            string cgroup = entry[(eq + 1)..];
            if (MatchId(cgroup, "/", "", out string? id) || MatchId(cgroup, "/docker-", ".scope", out id))
            {
                if (!_containers.ContainsKey(id))
                {
                    _containers[id] = new ContainerInfo(id, "", "", new Dictionary<string, string>()) { IsIdOnly = true };
                }

                return id;
            }
        }

        return "";
    }

    // Keeps sinsp's own check: the position of the first non-hex character is compared with 64
    // as an absolute index, not relative to the id.
    private static bool MatchId(string cgroup, string prefix, string suffix, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? id)
    {
        id = null;
        int start = cgroup.LastIndexOf(prefix, StringComparison.Ordinal);
        if (start < 0)
        {
            return false;
        }

        start += prefix.Length;
        int end = suffix.Length == 0 ? cgroup.Length : cgroup.LastIndexOf(suffix, StringComparison.Ordinal);
        if (end < 0 || end - start != FullIdLength)
        {
            return false;
        }

        int invalid = -1;
        for (int i = start; i < cgroup.Length; i++)
        {
            if (!char.IsAsciiHexDigit(cgroup[i]))
            {
                invalid = i;
                break;
            }
        }

        if (invalid >= 0 && invalid < FullIdLength)
        {
            return false;
        }

        id = cgroup.Substring(start, ReportedIdLength);
        return true;
    }

    /// <summary>PPME_CONTAINER_E: id, type, name, image.</summary>
    public ContainerInfo AddSimple(string id, int type, string name, string image)
    {
        var info = new ContainerInfo(id, name, image, new Dictionary<string, string>()) { Type = type };
        _containers[id] = info;
        return info;
    }

    /// <summary>PPME_CONTAINER_JSON(_2)_E: <c>{"container":{...}}</c>. Returns null when the JSON is unusable (sinsp ignores it too).</summary>
    public ContainerInfo? AddJson(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            using JsonDocument doc = JsonDocument.ParseValue(ref reader);
            if (!doc.RootElement.TryGetProperty("container", out JsonElement c) || c.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            string id = Text(c, "id");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (c.TryGetProperty("labels", out JsonElement l) && l.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty p in l.EnumerateObject())
                {
                    labels[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? "" : p.Value.ToString();
                }
            }

            var info = new ContainerInfo(id, Text(c, "name"), Text(c, "image"), labels)
            {
                ImageId = Text(c, "imageid"),
                ImageRepository = Text(c, "imagerepo"),
                ImageTag = Text(c, "imagetag"),
                ImageDigest = Text(c, "imagedigest"),
                Ip = System.Net.IPAddress.TryParse(Text(c, "ip"), out System.Net.IPAddress? ip) ? ip : null,
                Type = c.TryGetProperty("type", out JsonElement t) && t.TryGetInt32(out int type) ? type : 0,
                Privileged = c.TryGetProperty("privileged", out JsonElement pr) && pr.ValueKind == JsonValueKind.True,
                Mounts = Mounts(c),
                HealthCheck = Probe(c, "Healthcheck"),
                LivenessProbe = Probe(c, "LivenessProbe"),
                ReadinessProbe = Probe(c, "ReadinessProbe"),

                // lookup_state: 0 started (never finishes in a file, so failed), 1 successful, 2 failed.
                LookupSuccessful = !(c.TryGetProperty("lookup_state", out JsonElement ls) && ls.TryGetUInt32(out uint state) && state is 0 or 2),
            };
            _containers[id] = info;
            return info;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Broken JSON or text that is not UTF-8: sysdig cannot use the event either.
            return null;
        }
    }

    private static List<ContainerMount> Mounts(JsonElement c)
    {
        if (!c.TryGetProperty("Mounts", out JsonElement m) || m.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var mounts = new List<ContainerMount>();
        foreach (JsonElement e in m.EnumerateArray())
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                mounts.Add(new ContainerMount(Text(e, "Source"), Text(e, "Destination"), Text(e, "Mode"),
                    e.TryGetProperty("RW", out JsonElement rw) && rw.ValueKind == JsonValueKind.True, Text(e, "Propagation")));
            }
        }

        return mounts;
    }

    /// <summary>A health or readiness probe as sysdig prints it: the executable and its arguments; null when none is configured.</summary>
    private static string? Probe(JsonElement c, string name)
    {
        if (!c.TryGetProperty(name, out JsonElement p) || p.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var text = new System.Text.StringBuilder(Text(p, "exe"));
        if (p.TryGetProperty("args", out JsonElement args) && args.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement a in args.EnumerateArray())
            {
                text.Append(' ').Append(a.ValueKind == JsonValueKind.String ? a.GetString() : a.ToString());
            }
        }

        return text.ToString();
    }

    private static string Text(JsonElement e, string name)
        => e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
}
