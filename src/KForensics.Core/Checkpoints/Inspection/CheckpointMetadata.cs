using System.Globalization;
using System.Text.Json;

namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>
/// What a checkpoint says about its container, read from whichever metadata its layout carries:
/// config.dump and spec.dump (Podman, CRI-O, containerd, this module's export), the CRI-O and
/// containerd annotations, network.status, status.dump, or Docker's own container configuration
/// beside a checkpoint directory. Every field is optional; a bare CRIU images directory has none.
/// </summary>
internal sealed class CheckpointMetadata
{
    public const string ManagerAnnotation = "io.container.manager";

    public string? ContainerId { get; init; }

    public string? ContainerName { get; init; }

    public string? Image { get; init; }

    public string? ImageRef { get; init; }

    public string? Runtime { get; init; }

    public DateTime? CreatedUtc { get; init; }

    public DateTime? CheckpointedUtc { get; init; }

    public string Engine { get; init; } = "CRIU";

    public string? PodName { get; init; }

    public string? Namespace { get; init; }

    public string? IpAddress { get; init; }

    public string? MacAddress { get; init; }

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<SpecMount> Mounts { get; init; } = [];

    public IReadOnlyList<string> DeletedFiles { get; init; } = [];

    /// <summary>Docker's change kinds of the filesystem changes, by path, when the layout records them (this module's export).</summary>
    public IReadOnlyDictionary<string, string> ChangeKinds { get; init; } = new Dictionary<string, string>();

    public sealed record SpecMount(string Destination, string Type, string Source, IReadOnlyList<string> Options);

    /// <summary>Reads the metadata files of an archive layout in <paramref name="directory"/> (the archive's root).</summary>
    public static CheckpointMetadata FromArchiveRoot(string directory)
    {
        JsonElement config = ReadJson(Path.Combine(directory, PodmanLayout.ConfigDump));
        JsonElement spec = ReadJson(Path.Combine(directory, PodmanLayout.SpecDump));
        var annotations = StringMap(spec, "annotations");
        annotations.TryGetValue(ManagerAnnotation, out string? manager);
        string engine = manager switch
        {
            "libpod" => "Podman",
            "cri-o" => "CRI-O",
            _ when annotations.ContainsKey("org.kforensics.engine") => "Docker",
            _ when config.ValueKind == JsonValueKind.Undefined && spec.ValueKind == JsonValueKind.Undefined => "CRIU",
            _ => "containerd",
        };

        string? name = Str(config, "name");
        string? pod = null, ns = null, ip = null;
        DateTime? created = Time(Str(config, "createdTime"));
        switch (engine)
        {
            case "CRI-O":
                if (annotations.TryGetValue("io.kubernetes.cri-o.Metadata", out string? meta))
                {
                    name = Str(ParseJson(meta), "name") ?? name;
                }

                annotations.TryGetValue("io.kubernetes.pod.name", out pod);
                annotations.TryGetValue("io.kubernetes.pod.namespace", out ns);
                annotations.TryGetValue("io.kubernetes.cri-o.IP.0", out ip);
                created = annotations.TryGetValue("io.kubernetes.cri-o.Created", out string? c) ? Time(c) ?? created : created;
                break;
            case "containerd":
                name = annotations.TryGetValue("io.kubernetes.cri.container-name", out string? n) ? n : name;
                annotations.TryGetValue("io.kubernetes.cri.sandbox-name", out pod);
                annotations.TryGetValue("io.kubernetes.cri.sandbox-namespace", out ns);
                break;
        }

        (string? podmanIp, string? mac) = NetworkStatus(Path.Combine(directory, "network.status"));
        return new CheckpointMetadata
        {
            ContainerId = Str(config, "id"),
            ContainerName = name,
            Image = Str(config, "rootfsImageName") ?? Str(config, "rootfsImage"),
            ImageRef = Str(config, "rootfsImageRef"),
            Runtime = Str(config, "runtime"),
            CreatedUtc = created,
            CheckpointedUtc = Time(Str(config, "checkpointedTime")),
            Engine = engine,
            PodName = pod,
            Namespace = ns,
            IpAddress = ip ?? podmanIp,
            MacAddress = mac,
            Annotations = annotations,
            Mounts = SpecMounts(spec),
            DeletedFiles = Strings(ReadJson(Path.Combine(directory, PodmanLayout.DeletedFiles))),
            ChangeKinds = StringMap(ReadJson(Path.Combine(directory, PodmanLayout.RootfsChanges)), null),
        };
    }

    /// <summary>
    /// Docker keeps a checkpoint under &lt;root&gt;/containers/&lt;id&gt;/checkpoints/&lt;name&gt;; the container's own
    /// configuration two levels up names it. Absent (a custom checkpoint directory): no metadata.
    /// </summary>
    public static CheckpointMetadata FromDockerDirectory(string imagesDirectory)
    {
        DirectoryInfo? container = new DirectoryInfo(imagesDirectory).Parent?.Parent;
        JsonElement config = container is null ? default : ReadJson(Path.Combine(container.FullName, "config.v2.json"));
        JsonElement host = container is null ? default : ReadJson(Path.Combine(container.FullName, "hostconfig.json"));
        if (config.ValueKind != JsonValueKind.Object)
        {
            return new CheckpointMetadata { CheckpointedUtc = Directory.GetLastWriteTimeUtc(imagesDirectory) };
        }

        config.TryGetProperty("Config", out JsonElement inner);
        var mounts = new List<SpecMount>();
        if (config.TryGetProperty("MountPoints", out JsonElement points) && points.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty point in points.EnumerateObject())
            {
                mounts.Add(new SpecMount(Str(point.Value, "Destination") ?? point.Name, Str(point.Value, "Type") ?? "bind", Str(point.Value, "Source") ?? string.Empty, []));
            }
        }

        string? ip = null, mac = null;
        if (config.TryGetProperty("NetworkSettings", out JsonElement net) && net.TryGetProperty("Networks", out JsonElement networks) && networks.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty network in networks.EnumerateObject())
            {
                ip ??= Nonempty(Str(network.Value, "IPAddress"));
                mac ??= Nonempty(Str(network.Value, "MacAddress"));
            }
        }

        return new CheckpointMetadata
        {
            ContainerId = Str(config, "ID"),
            ContainerName = Str(config, "Name")?.TrimStart('/'),
            Image = Str(inner, "Image"),
            ImageRef = Str(config, "Image"),
            Runtime = Str(host, "Runtime") ?? "runc",
            CreatedUtc = Time(Str(config, "Created")),
            CheckpointedUtc = Directory.GetLastWriteTimeUtc(imagesDirectory),
            Engine = "Docker",
            IpAddress = ip,
            MacAddress = mac,
            Annotations = StringMap(inner, "Labels"),
            Mounts = mounts,
        };
    }

    private static (string? Ip, string? Mac) NetworkStatus(string path)
    {
        JsonElement status = ReadJson(path);
        if (status.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }

        foreach (JsonProperty network in status.EnumerateObject())
        {
            if (network.Value.TryGetProperty("interfaces", out JsonElement interfaces) && interfaces.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty nic in interfaces.EnumerateObject())
                {
                    string? ip = null;
                    if (nic.Value.TryGetProperty("subnets", out JsonElement subnets) && subnets.ValueKind == JsonValueKind.Array)
                    {
                        ip = subnets.EnumerateArray().Select(s => Str(s, "ipnet")).FirstOrDefault(s => s is not null);
                    }

                    return (ip, Str(nic.Value, "mac_address"));
                }
            }
        }

        return (null, null);
    }

    private static List<SpecMount> SpecMounts(JsonElement spec)
    {
        var mounts = new List<SpecMount>();
        if (spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("mounts", out JsonElement array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement m in array.EnumerateArray())
            {
                mounts.Add(new SpecMount(Str(m, "destination") ?? string.Empty, Str(m, "type") ?? string.Empty, Str(m, "source") ?? string.Empty,
                    m.TryGetProperty("options", out JsonElement o) ? Strings(o) : []));
            }
        }

        return mounts;
    }

    internal static JsonElement ReadJson(string path)
    {
        if (!File.Exists(path))
        {
            return default;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new CheckpointInspectionException(CheckpointInspectionErrorKind.InvalidMetadata,
                "'" + Path.GetFileName(path) + "' is not valid JSON: " + ex.Message, path, ex);
        }
    }

    private static JsonElement ParseJson(string text)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static Dictionary<string, string> StringMap(JsonElement element, string? name)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonElement source = element;
        if (name is not null && (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out source)))
        {
            return map;
        }

        if (source.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty p in source.EnumerateObject())
            {
                map[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            }
        }

        return map;
    }

    private static List<string> Strings(JsonElement element)
        => element.ValueKind == JsonValueKind.Array
            ? element.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
            : [];

    internal static string? Str(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    private static string? Nonempty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    internal static DateTime? Time(string? text)
        => !string.IsNullOrEmpty(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset t)
            && t.Year > 1
            ? t.UtcDateTime
            : null;
}
