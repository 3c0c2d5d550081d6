namespace KForensics.Core.Evidence.Storage;

/// <summary>An evidence file stored as a block blob, read back and found identical, with its custody manifest beside it.</summary>
public sealed class SentEvidence
{
    internal SentEvidence(string path, BlobDestination destination, string blob, long bytes, string sha256, string sha256ReadBack, int blocks, int blocksResumed,
        string manifestBlob, string etag, string? versionId, string immutability, TimeSpan duration, DateTime timeUtc)
    {
        Path = path;
        Container = destination.Url;
        Blob = blob;
        Uri = destination.Url + "/" + blob;
        Bytes = bytes;
        Sha256 = sha256;
        Sha256ReadBack = sha256ReadBack;
        Blocks = blocks;
        BlocksResumed = blocksResumed;
        ManifestBlob = manifestBlob;
        ETag = etag;
        VersionId = versionId;
        Immutability = immutability;
        Authentication = destination.Authentication;
        Duration = duration;
        TimeUtc = timeUtc;
    }

    /// <summary>The local file sent.</summary>
    public string Path { get; }

    /// <summary>The container's URL (never with its SAS).</summary>
    public string Container { get; }

    public string Blob { get; }

    /// <summary>The blob's URL (never with a SAS).</summary>
    public string Uri { get; }

    public long Bytes { get; }

    /// <summary>SHA-256 of the local file, as it was read for the upload.</summary>
    public string Sha256 { get; }

    /// <summary>SHA-256 of the blob as downloaded again after the upload; equal to <see cref="Sha256"/>.</summary>
    public string Sha256ReadBack { get; }

    public int Blocks { get; }

    /// <summary>Blocks an interrupted upload had already staged, which were not sent again.</summary>
    public int BlocksResumed { get; }

    /// <summary>The custody manifest stored beside the blob (BLOB.manifest.json).</summary>
    public string ManifestBlob { get; }

    public string ETag { get; }

    public string? VersionId { get; }

    /// <summary>The WORM state of the blob and its container as the service reports them ("none" when there is none).</summary>
    public string Immutability { get; }

    /// <summary>How the upload signed in: SAS, ConnectionString or DefaultAzureCredential.</summary>
    public string Authentication { get; }

    /// <summary>Upload and read-back together.</summary>
    public TimeSpan Duration { get; }

    public DateTime TimeUtc { get; }

    public override string ToString() => Uri;
}

/// <summary>How far an upload is: <see cref="Phase"/> is "Uploading" or "Verifying", bytes done of the file's.</summary>
public sealed record UploadProgress(string Path, string Phase, long Done, long Total, int BlocksResumed);
