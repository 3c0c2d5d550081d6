using System.Text.Json;
using System.Text.Json.Serialization;

namespace KForensics.Core.Evidence;

/// <summary>
/// The chain-of-custody record written beside an acquired file: where it came from, how it was made,
/// when, by whom, and its hash where it was made and where it landed.
/// </summary>
public sealed class CustodyManifest
{
    public const string CurrentSchema = "kforensics.custody/1";

    public string Schema { get; init; } = CurrentSchema;

    public string Kind { get; init; } = string.Empty;

    public string Tool { get; init; } = string.Empty;

    public string ToolVersion { get; init; } = string.Empty;

    public string Operator { get; init; } = string.Empty;

    public string Workstation { get; init; } = string.Empty;

    public DateTime StartTimeUtc { get; init; }

    public DateTime EndTimeUtc { get; init; }

    public DateTime AcquiredTimeUtc { get; init; }

    public ManifestFile File { get; init; } = new();

    /// <summary>Kind-specific provenance (for a pod capture: cluster, pod, node, containers, sysdig).</summary>
    public IDictionary<string, object?> Source { get; init; } = new Dictionary<string, object?>();

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static CustodyManifest FromJson(string json)
        => JsonSerializer.Deserialize<CustodyManifest>(json, Options) ?? throw new JsonException("The manifest is empty.");

    public async Task WriteAsync(string path, CancellationToken cancellationToken)
        => await System.IO.File.WriteAllTextAsync(path, ToJson(), cancellationToken).ConfigureAwait(false);
}

/// <summary>The acquired file as the manifest describes it.</summary>
public sealed class ManifestFile
{
    public string Name { get; init; } = string.Empty;

    public long Bytes { get; init; }

    /// <summary>The hash computed where the file was made (in the capture pod).</summary>
    public string Sha256AtSource { get; init; } = string.Empty;

    /// <summary>The hash of the file as written here; equal to <see cref="Sha256AtSource"/> or the acquisition failed.</summary>
    public string Sha256 { get; init; } = string.Empty;
}
