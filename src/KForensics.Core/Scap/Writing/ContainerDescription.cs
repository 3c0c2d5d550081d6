using System.Text;
using System.Text.Json;

namespace KForensics.Core.Scap.Writing;

/// <summary>
/// A container as capture writers describe it in a container JSON event (PPME_CONTAINER_JSON_2_E).
/// <see cref="Id"/> is the full 64-hex id: threads carry it in their cgroups, the JSON the first 12 chars.
/// </summary>
public sealed record ContainerDescription(string Id, string Name, string Image)
{
    public string ImageId { get; init; } = string.Empty;
    public string ImageDigest { get; init; } = string.Empty;
    public bool Privileged { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Env { get; init; } = Array.Empty<string>();

    public string ShortId => Id.Length > 12 ? Id[..12] : Id;

    /// <summary>The cgroup list of a process in this container, as the docker (cgroupfs) driver names them.</summary>
    public IReadOnlyList<string> Cgroups => new[]
    {
        $"cpuset=/docker/{Id}", $"cpu=/docker/{Id}", $"cpuacct=/docker/{Id}", $"io=/docker/{Id}",
        $"memory=/docker/{Id}", $"devices=/docker/{Id}", $"freezer=/docker/{Id}", $"net_cls=/docker/{Id}",
        $"perf_event=/docker/{Id}", $"net_prio=/docker/{Id}", $"hugetlb=/docker/{Id}", $"pids=/docker/{Id}",
    };

    /// <summary>The JSON layout of scap-format.md §13 (<c>{"container":{...}}</c>).</summary>
    public string ToJson()
    {
        (string repo, string tag) = SplitImage(Image);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartObject("container");
            json.WriteString("id", ShortId);
            json.WriteString("name", Name);
            json.WriteString("image", Image);
            json.WriteString("imageid", ImageId);
            json.WriteString("imagerepo", repo);
            json.WriteString("imagetag", tag);
            json.WriteString("imagedigest", ImageDigest);
            json.WriteNumber("type", 0);
            json.WriteBoolean("privileged", Privileged);
            json.WriteStartArray("Mounts");
            json.WriteEndArray();
            json.WriteStartObject("labels");
            foreach (KeyValuePair<string, string> label in Labels)
            {
                json.WriteString(label.Key, label.Value);
            }

            json.WriteEndObject();
            json.WriteStartArray("env");
            foreach (string variable in Env)
            {
                json.WriteStringValue(variable);
            }

            json.WriteEndArray();
            json.WriteNumber("cpu_shares", 1024);
            json.WriteNumber("cpu_quota", 0);
            json.WriteNumber("cpu_period", 100000);
            json.WriteNumber("memory_limit", 0);
            json.WriteNumber("swap_limit", 0);
            json.WriteBoolean("is_pod_sandbox", false);
            json.WriteNumber("lookup_state", 1);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static (string Repo, string Tag) SplitImage(string image)
    {
        int slash = image.LastIndexOf('/');
        int colon = image.LastIndexOf(':');
        return colon > slash ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }
}
