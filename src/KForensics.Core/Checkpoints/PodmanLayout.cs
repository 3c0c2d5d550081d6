using System.Text.Json;
using KForensics.Core.Docker;

namespace KForensics.Core.Checkpoints;

/// <summary>
/// The metadata files of a Podman/CRI-O checkpoint archive, synthesised from Docker's inspect document
/// so that checkpointctl can read a Docker checkpoint. checkpointctl reads config.dump (id, name, image,
/// runtime, creation time) and the annotations of spec.dump; without a container manager annotation it
/// takes the name from "io.kubernetes.cri.container-name", as for containerd, which runs Docker's containers.
/// </summary>
internal static class PodmanLayout
{
    public const string CheckpointDirectory = "checkpoint";
    public const string RootfsDiff = "rootfs-diff.tar";
    public const string DeletedFiles = "deleted.files";
    /// <summary>Docker's kind (Added, Modified, Deleted) of every path in the filesystem changes: a JSON object, path to kind.</summary>
    public const string RootfsChanges = "rootfs-changes.json";
    public const string ConfigDump = "config.dump";
    public const string SpecDump = "spec.dump";
    public const string ContainerJson = "container.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static byte[] ConfigDumpFor(JsonElement inspect, DateTime checkpointedUtc)
    {
        inspect.TryGetProperty("Config", out JsonElement config);
        var dump = new Dictionary<string, object>
        {
            ["id"] = DockerEngine.Str(inspect, "Id"),
            ["name"] = DockerEngine.Str(inspect, "Name").TrimStart('/'),
            ["rootfsImageName"] = DockerEngine.Str(config, "Image"),
            ["rootfsImageRef"] = DockerEngine.Str(inspect, "Image"),
            ["runtime"] = inspect.TryGetProperty("HostConfig", out JsonElement host) ? Fallback(DockerEngine.Str(host, "Runtime"), "runc") : "runc",
            ["createdTime"] = DockerEngine.Str(inspect, "Created"),
            ["checkpointedTime"] = checkpointedUtc.ToString("O"),
        };
        return JsonSerializer.SerializeToUtf8Bytes(dump, Indented);
    }

    public static byte[] SpecDumpFor(JsonElement inspect, EngineInfo engine)
    {
        inspect.TryGetProperty("Config", out JsonElement config);
        var args = new List<string>();
        args.AddRange(Strings(config, "Entrypoint"));
        args.AddRange(Strings(config, "Cmd"));
        var mounts = new List<object>();
        if (inspect.TryGetProperty("Mounts", out JsonElement m) && m.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement mount in m.EnumerateArray())
            {
                mounts.Add(new Dictionary<string, string>
                {
                    ["destination"] = DockerEngine.Str(mount, "Destination"),
                    ["type"] = DockerEngine.Str(mount, "Type"),
                    ["source"] = DockerEngine.Str(mount, "Source"),
                });
            }
        }

        var spec = new Dictionary<string, object>
        {
            ["ociVersion"] = "1.0.2",
            ["process"] = new Dictionary<string, object>
            {
                ["terminal"] = config.ValueKind == JsonValueKind.Object && config.TryGetProperty("Tty", out JsonElement tty) && tty.ValueKind == JsonValueKind.True,
                ["args"] = args,
                ["env"] = Strings(config, "Env"),
                ["cwd"] = Fallback(DockerEngine.Str(config, "WorkingDir"), "/"),
            },
            ["root"] = new Dictionary<string, object> { ["path"] = "rootfs" },
            ["hostname"] = DockerEngine.Str(config, "Hostname"),
            ["mounts"] = mounts,
            ["annotations"] = new Dictionary<string, string>
            {
                ["io.kubernetes.cri.container-name"] = DockerEngine.Str(inspect, "Name").TrimStart('/'),
                ["org.kforensics.engine"] = "docker " + engine.Version,
                ["org.kforensics.engine-endpoint"] = engine.Endpoint,
            },
        };
        return JsonSerializer.SerializeToUtf8Bytes(spec, Indented);
    }

    private static string Fallback(string value, string fallback) => value.Length > 0 ? value : fallback;

    private static List<string> Strings(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement p) && p.ValueKind == JsonValueKind.Array
            ? p.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToList()
            : new List<string>();
}
