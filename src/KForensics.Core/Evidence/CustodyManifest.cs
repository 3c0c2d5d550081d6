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

    /// <summary>Set when <see cref="File"/> is encrypted evidence: how, to whom, and the plaintext it holds.</summary>
    public ManifestProtection? Protection { get; init; }

    /// <summary>Set on the copy stored off the machine: where it landed and the hash read back there.</summary>
    public ManifestStorage? Storage { get; init; }

    /// <summary>A record of a file this module acquired here: the tool and its version, and who made it on which machine.</summary>
    public static CustodyManifest Acquired(string kind, string toolVersion, DateTime startUtc, DateTime endUtc, DateTime acquiredUtc, ManifestFile file,
        IDictionary<string, object?> source) => new()
    {
        Kind = kind,
        Tool = "KForensics",
        ToolVersion = toolVersion,
        Operator = Environment.UserName,
        Workstation = Environment.MachineName,
        StartTimeUtc = startUtc,
        EndTimeUtc = endUtc,
        AcquiredTimeUtc = acquiredUtc,
        File = file,
        Source = source,
    };

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

/// <summary>How an encrypted file was made: the format, its recipients, and the plaintext's size and hash.</summary>
public sealed class ManifestProtection
{
    public string Format { get; init; } = string.Empty;

    public IReadOnlyList<ManifestRecipient> Recipients { get; init; } = [];

    public string PlaintextName { get; init; } = string.Empty;

    public long PlaintextBytes { get; init; }

    public string PlaintextSha256 { get; init; } = string.Empty;

    public long CiphertextBytes { get; init; }

    public string CiphertextSha256 { get; init; } = string.Empty;

    public DateTime ProtectedTimeUtc { get; init; }
}

/// <summary>One key the file is encrypted to.</summary>
public sealed class ManifestRecipient
{
    public string Fingerprint { get; init; } = string.Empty;

    public string PrimaryFingerprint { get; init; } = string.Empty;

    public string UserId { get; init; } = string.Empty;
}

/// <summary>Where a file was stored off the machine, and what was read back there.</summary>
public sealed class ManifestStorage
{
    /// <summary>The blob's address without any query (no SAS is ever recorded).</summary>
    public string Url { get; init; } = string.Empty;

    public string Container { get; init; } = string.Empty;

    public string Blob { get; init; } = string.Empty;

    public string ETag { get; init; } = string.Empty;

    public string? VersionId { get; init; }

    public long Bytes { get; init; }

    /// <summary>The SHA-256 of the blob as read back from storage; equal to the file's or the upload failed.</summary>
    public string Sha256ReadBack { get; init; } = string.Empty;

    public string Immutability { get; init; } = string.Empty;

    public DateTime UploadedTimeUtc { get; init; }
}
