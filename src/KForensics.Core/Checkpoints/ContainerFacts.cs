using System.Globalization;
using System.Text.Json;
using KForensics.Core.Docker;

namespace KForensics.Core.Checkpoints;

/// <summary>The parts of a container's inspect document the workflows rely on.</summary>
internal sealed class ContainerFacts
{
    private ContainerFacts(JsonElement root)
    {
        Id = DockerEngine.Str(root, "Id");
        Name = DockerEngine.Str(root, "Name").TrimStart('/');
        ImageId = DockerEngine.Str(root, "Image");
        root.TryGetProperty("Config", out JsonElement config);
        Image = DockerEngine.Str(config, "Image");
        root.TryGetProperty("State", out JsonElement state);
        Running = state.ValueKind == JsonValueKind.Object && state.TryGetProperty("Running"u8, out JsonElement r) && r.ValueKind == JsonValueKind.True;
        Status = DockerEngine.Str(state, "Status");
        StartedUtc = ParseTime(DockerEngine.Str(state, "StartedAt"));
        CreatedUtc = ParseTime(DockerEngine.Str(root, "Created"));
        root.TryGetProperty("HostConfig", out JsonElement host);
        NetworkMode = DockerEngine.Str(host, "NetworkMode");
    }

    public string Id { get; }

    public string Name { get; }

    public string Image { get; }

    public string ImageId { get; }

    public bool Running { get; }

    public string Status { get; }

    public DateTime StartedUtc { get; }

    public DateTime CreatedUtc { get; }

    /// <summary>HostConfig.NetworkMode: "none", "bridge", "host", a network's name, or "container:ID".</summary>
    public string NetworkMode { get; }

    public static ContainerFacts From(JsonElement root) => new(root);

    public static async Task<(ContainerFacts Facts, string Json)> LoadAsync(DockerEngine engine, string nameOrId, CancellationToken cancellationToken)
    {
        string json = await engine.InspectContainerTextAsync(nameOrId, cancellationToken).ConfigureAwait(false);
        using JsonDocument doc = JsonDocument.Parse(json);
        return (new ContainerFacts(doc.RootElement), json);
    }

    private static DateTime ParseTime(string text)
        => DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime t)
            ? DateTime.SpecifyKind(t, DateTimeKind.Utc)
            : DateTime.MinValue;
}
