using System.Text.Json;
using Docker.DotNet.Models;
using KForensics.Core.Docker;

namespace KForensics.Core.Checkpoints;

/// <summary>
/// Builds a clone's creation request from the original's inspect document: what the process needs to
/// resume (image, command, entrypoint, environment, working directory, user, labels, security options,
/// TTY and init), but no published ports or static addresses, which would collide with the original.
/// The clone runs on the network it is given; by default none, so code that was frozen because it was
/// suspicious cannot reach what the original could (it keeps only its own loopback).
/// </summary>
internal static class CloneParameters
{
    public const string SourceLabel = "org.kforensics.restored-from";
    public const string CheckpointLabel = "org.kforensics.checkpoint";

    /// <summary>The network mode of an isolated clone: a namespace with only the loopback interface.</summary>
    public const string IsolatedNetwork = "none";

    public static CreateContainerParameters From(JsonElement inspect, string name, string checkpoint, string? network)
    {
        inspect.TryGetProperty("Config", out JsonElement config);
        inspect.TryGetProperty("HostConfig", out JsonElement host);
        var labels = Map(config, "Labels");
        labels[SourceLabel] = DockerEngine.Str(inspect, "Id");
        labels[CheckpointLabel] = checkpoint;
        string image = DockerEngine.Str(inspect, "Image");
        return new CreateContainerParameters
        {
            Name = name,
            // The image id, not the tag: the clone must run on exactly the layers the checkpoint saw.
            Image = image.Length > 0 ? image : DockerEngine.Str(config, "Image"),
            Cmd = List(config, "Cmd")!,
            Entrypoint = List(config, "Entrypoint")!,
            Env = List(config, "Env")!,
            WorkingDir = DockerEngine.Str(config, "WorkingDir"),
            User = DockerEngine.Str(config, "User"),
            Labels = labels,
            Tty = Bool(config, "Tty"),
            OpenStdin = Bool(config, "OpenStdin"),
            StdinOnce = Bool(config, "StdinOnce"),
            AttachStdout = Bool(config, "AttachStdout"),
            AttachStderr = Bool(config, "AttachStderr"),
            HostConfig = new HostConfig
            {
                NetworkMode = string.IsNullOrEmpty(network) ? IsolatedNetwork : network,
                SecurityOpt = List(host, "SecurityOpt")!,
                Init = host.ValueKind == JsonValueKind.Object && host.TryGetProperty("Init", out JsonElement init) && init.ValueKind == JsonValueKind.True ? true : null,
            },
        };
    }

    private static bool Bool(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement p) && p.ValueKind == JsonValueKind.True;

    private static List<string>? List(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out JsonElement p) || p.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return p.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToList();
    }

    private static Dictionary<string, string> Map(JsonElement element, string name)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement p) && p.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty kv in p.EnumerateObject())
            {
                map[kv.Name] = kv.Value.GetString() ?? string.Empty;
            }
        }

        return map;
    }
}
