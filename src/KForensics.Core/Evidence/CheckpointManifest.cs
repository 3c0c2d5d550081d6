using System.Text.Json;
using System.Text.Json.Serialization;

namespace KForensics.Core.Evidence;

/// <summary>
/// The custody record inside an exported checkpoint archive: what was taken, from where, with which
/// tools, when (UTC), and the SHA-256 of every other member. Import refuses an archive that disagrees.
/// </summary>
public sealed class CheckpointManifest
{
    public const string FileName = "kforensics-manifest.json";
    public const string CurrentFormat = "kforensics-checkpoint/1";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string Format { get; set; } = CurrentFormat;

    public DateTime CreatedUtc { get; set; }

    public ManifestContainer Container { get; set; } = new();

    public ManifestCheckpoint Checkpoint { get; set; } = new();

    public ManifestEngine Engine { get; set; } = new();

    public Dictionary<string, string> Tools { get; set; } = new(StringComparer.Ordinal);

    public List<ManifestMember> Members { get; set; } = new();

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    public static CheckpointManifest? Parse(byte[] json) => JsonSerializer.Deserialize<CheckpointManifest>(json, Options);

    public sealed class ManifestContainer
    {
        public string Id { get; set; } = string.Empty;

        public string Name { get; set; } = string.Empty;

        public string Image { get; set; } = string.Empty;

        public string ImageId { get; set; } = string.Empty;

        public DateTime CreatedUtc { get; set; }
    }

    public sealed class ManifestCheckpoint
    {
        public string Name { get; set; } = string.Empty;

        public string Location { get; set; } = string.Empty;

        public DateTime CreatedUtc { get; set; }
    }

    public sealed class ManifestEngine
    {
        public string Endpoint { get; set; } = string.Empty;

        public string HostName { get; set; } = string.Empty;

        public string Version { get; set; } = string.Empty;

        public string ApiVersion { get; set; } = string.Empty;

        public string OperatingSystem { get; set; } = string.Empty;

        public string KernelVersion { get; set; } = string.Empty;
    }

    public sealed class ManifestMember
    {
        public string Path { get; set; } = string.Empty;

        public long Length { get; set; }

        public string Sha256 { get; set; } = string.Empty;

        [JsonIgnore]
        public EvidenceFile AsEvidence => new(Path, Length, Sha256);
    }
}
