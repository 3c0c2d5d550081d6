using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace KForensics.Core.Evidence.Storage;

/// <summary>What Send-Evidence asks of one upload.</summary>
public sealed class UploadOptions
{
    public int BlockSizeBytes { get; init; } = 8 << 20;

    /// <summary>Blocks in flight at once; memory is about this many blocks.</summary>
    public int Concurrency { get; init; } = 4;

    public bool Overwrite { get; init; }

    /// <summary>A time-based retention policy set on the blob as it is committed (version-level WORM containers).</summary>
    public DateTimeOffset? RetainUntil { get; init; }

    public bool LegalHold { get; init; }

    public string ToolVersion { get; init; } = "0.0.0";
}

/// <summary>
/// Uploads an evidence file as a block blob: blocks staged with a transactional MD5 the service checks, block
/// ids made of the block's index and its own SHA-256, so an interrupted upload resumes by committing the blocks
/// already staged that are the file's; the SHA-256 and the custody manifest as metadata; the blob read back and
/// compared; the manifest with the landing record beside it.
/// </summary>
public static class EvidenceUploader
{
    private const int MetadataManifestLimit = 6 * 1024;

    public static async Task<SentEvidence> UploadAsync(BlobDestination destination, string path, string blobName, CustodyManifest? manifest, UploadOptions options,
        IProgress<UploadProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        BlockBlobClient blob = destination.Container.GetBlockBlobClient(blobName);
        long length = new FileInfo(path).Length;
        try
        {
            if (!options.Overwrite && await ExistsAsync(blob, cancellationToken).ConfigureAwait(false))
            {
                throw new StorageException(StorageFailure.BlobExists, $"The blob {destination.Url}/{blobName} exists.");
            }

            Dictionary<string, long> staged = await UncommittedAsync(blob, cancellationToken).ConfigureAwait(false);
            var (ids, sha256, md5, resumed) = await StageAsync(blob, path, length, staged, options, progress, cancellationToken).ConfigureAwait(false);

            CustodyManifest origin = manifest ?? CustodyManifestFile.ForFile(path, length, sha256, options.ToolVersion, DateTime.UtcNow);
            if (!string.Equals(origin.File.Sha256, sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new StorageException(StorageFailure.HashMismatch,
                    $"'{path}' has SHA-256 {sha256}, but its custody manifest records {origin.File.Sha256}: the file changed since it was made. Nothing was committed.");
            }

            string manifestBlob = blobName + CustodyManifestFile.Suffix;
            var commit = new CommitBlockListOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream", ContentHash = md5 },
                Metadata = Metadata(origin, sha256, length, manifestBlob, options.ToolVersion),
                Conditions = options.Overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All },
            };
            if (options.RetainUntil is DateTimeOffset until)
            {
                commit.ImmutabilityPolicy = new BlobImmutabilityPolicy { ExpiresOn = until, PolicyMode = BlobImmutabilityPolicyMode.Unlocked };
            }

            if (options.LegalHold)
            {
                commit.LegalHold = true;
            }

            BlobContentInfo committed = (await blob.CommitBlockListAsync(ids, commit, cancellationToken).ConfigureAwait(false)).Value;
            string readBack = await ReadBackAsync(blob, committed.ETag, path, length, resumed, progress, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(readBack, sha256, StringComparison.Ordinal))
            {
                string fate = await DiscardAsync(blob, committed.ETag).ConfigureAwait(false);
                throw new StorageException(StorageFailure.HashMismatch,
                    $"The blob {destination.Url}/{blobName} read back has SHA-256 {readBack}, but '{path}' has {sha256}: a stored block is not the file's. {fate}");
            }

            (string immutability, bool retained, bool held) = await ImmutabilityAsync(destination, blob, cancellationToken).ConfigureAwait(false);
            DateTime now = DateTime.UtcNow;
            var landing = new ManifestStorage
            {
                Url = destination.Url + "/" + blobName,
                Container = destination.Name,
                Blob = blobName,
                ETag = committed.ETag.ToString(),
                VersionId = committed.VersionId,
                Bytes = length,
                Sha256ReadBack = readBack,
                Immutability = immutability,
                UploadedTimeUtc = now,
            };
            byte[] record = Encoding.UTF8.GetBytes(CustodyManifestFile.With(origin, origin.File, origin.Protection, landing).ToJson());
            await destination.Container.GetBlockBlobClient(manifestBlob).UploadAsync(new MemoryStream(record), new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                Conditions = options.Overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All },
                ImmutabilityPolicy = commit.ImmutabilityPolicy,
            }, cancellationToken).ConfigureAwait(false);

            // A retention or hold asked for and not reported back is not WORM evidence, whatever the service accepted.
            var unapplied = new List<string>();
            if (options.RetainUntil is DateTimeOffset asked && !retained)
            {
                unapplied.Add($"a retention policy until {asked.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}");
            }

            if (options.LegalHold && !held)
            {
                unapplied.Add("a legal hold");
            }

            if (unapplied.Count > 0)
            {
                throw new StorageException(StorageFailure.RetentionNotApplied,
                    $"The blob {destination.Url}/{blobName} was stored and read back whole (SHA-256 {readBack}), with its manifest beside it, but the service reports "
                    + $"no {string.Join(" and no ", unapplied.Select(u => u[2..]))} on it (immutability: {immutability}): it is not protected from change or deletion. "
                    + "Version-level immutability must be enabled on the container (and versioning on the account) for a blob to carry its own retention.");
            }

            return new SentEvidence(path, destination, blobName, length, sha256, readBack, ids.Count, resumed, manifestBlob,
                committed.ETag.ToString(), committed.VersionId, immutability, clock.Elapsed, now);
        }
        catch (RequestFailedException e)
        {
            throw Map(e, destination, blobName);
        }
        catch (AggregateException e) when (e.InnerExceptions.LastOrDefault() is RequestFailedException last && last.Status != 0)
        {
            throw Map(last, destination, blobName);
        }
        catch (AuthenticationFailedException e)
        {
            throw new StorageException(StorageFailure.Unauthorized,
                $"Signing in to {destination.Url} failed ({destination.Authentication}): {e.Message}", e);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            throw new StorageException(StorageFailure.ConnectionFailed, $"Cannot reach {destination.Url}: {e.Message}", e);
        }
    }

    /// <summary>Checks before any upload that the container exists and can be reached; returns its WORM state.</summary>
    public static async Task<string> CheckContainerAsync(BlobDestination destination, CancellationToken cancellationToken)
    {
        try
        {
            BlobContainerProperties p = (await destination.Container.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            return ContainerImmutability(p);
        }
        catch (RequestFailedException e) when (e.Status == 403 && destination.Authentication != "DefaultAzureCredential")
        {
            // A container SAS may not read the container's own properties; the upload itself decides.
            return "unknown (the credential cannot read the container's properties)";
        }
        catch (RequestFailedException e)
        {
            throw Map(e, destination, null);
        }
        catch (AuthenticationFailedException e)
        {
            throw new StorageException(StorageFailure.Unauthorized, $"Signing in to {destination.Url} failed ({destination.Authentication}): {e.Message}", e);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            throw new StorageException(StorageFailure.ConnectionFailed, $"Cannot reach {destination.Url}: {e.Message}", e);
        }
    }

    /// <summary>The block id of block <paramref name="index"/>: fixed length, naming its index and the start of its SHA-256.</summary>
    internal static string BlockId(int index, ReadOnlySpan<byte> blockSha256)
        => Convert.ToBase64String(Encoding.ASCII.GetBytes($"kf1-{index:D8}-{EvidenceHash.ToHex(blockSha256)[..40]}"));

    private static async Task<bool> ExistsAsync(BlockBlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            return (await blob.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 403)
        {
            // Without read permission the commit's If-None-Match still refuses an existing blob.
            return false;
        }
    }

    private static async Task<Dictionary<string, long>> UncommittedAsync(BlockBlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            BlockList list = (await blob.GetBlockListAsync(BlockListTypes.Uncommitted, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            return list.UncommittedBlocks.GroupBy(b => b.Name).ToDictionary(g => g.Key, g => g.First().SizeLong, StringComparer.Ordinal);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return new Dictionary<string, long>(StringComparer.Ordinal);
        }
    }

    private static async Task<(List<string> Ids, string Sha256, byte[] Md5, int Resumed)> StageAsync(BlockBlobClient blob, string path, long length,
        Dictionary<string, long> staged, UploadOptions options, IProgress<UploadProgress>? progress, CancellationToken cancellationToken)
    {
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var wholeMd5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var ids = new List<string>();
        var inFlight = new List<Task>();
        // One failed block stops the others at once instead of letting them send the rest of the file.
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        CancellationToken token = failed.Token;
        int resumed = 0;
        long done = 0;
        // A pool of its own, as deep as the blocks in flight: the shared pool keeps returned 8 MiB arrays per core and
        // per thread, which grows the working set by about a hundred megabytes over a large file.
        ArrayPool<byte> pool = ArrayPool<byte>.Create(options.BlockSizeBytes, options.Concurrency + 1);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        for (int index = 0; ; index++)
        {
            byte[] buffer = pool.Rent(options.BlockSizeBytes);
            int n = await ReadBlockAsync(file, buffer, options.BlockSizeBytes, cancellationToken).ConfigureAwait(false);
            if (n == 0 && index > 0)
            {
                pool.Return(buffer);
                break;
            }

            whole.AppendData(buffer, 0, n);
            wholeMd5.AppendData(buffer, 0, n);
            string id = BlockId(index, SHA256.HashData(buffer.AsSpan(0, n)));
            ids.Add(id);
            if (staged.TryGetValue(id, out long size) && size == n)
            {
                resumed++;
                pool.Return(buffer);
                progress?.Report(new UploadProgress(path, "Uploading", Interlocked.Add(ref done, n), length, resumed));
            }
            else
            {
                while (inFlight.Count >= options.Concurrency)
                {
                    Task finished = await Task.WhenAny(inFlight).ConfigureAwait(false);
                    inFlight.Remove(finished);
                    if (!finished.IsCompletedSuccessfully)
                    {
                        failed.Cancel();
                        await Task.WhenAll(inFlight.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
                        await finished.ConfigureAwait(false);
                    }
                }

                // Blob storage checks each staged block against the Content-MD5 the protocol defines; transport
                // integrity only: the evidence itself is identified by its SHA-256.
#pragma warning disable CA5351
                byte[] md5 = MD5.HashData(buffer.AsSpan(0, n));
#pragma warning restore CA5351
                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        await blob.StageBlockAsync(id, new MemoryStream(buffer, 0, n, writable: false), md5, null, null, token).ConfigureAwait(false);
                    }
                    finally
                    {
                        pool.Return(buffer);
                    }

                    progress?.Report(new UploadProgress(path, "Uploading", Interlocked.Add(ref done, n), length, resumed));
                }, token));
            }

            if (n < options.BlockSizeBytes)
            {
                break;
            }
        }

        try
        {
            await Task.WhenAll(inFlight).ConfigureAwait(false);
        }
        catch when (inFlight.FirstOrDefault(t => t.IsFaulted)?.Exception?.InnerException is Exception first)
        {
            // Task.WhenAll throws the first fault; keep it rather than an AggregateException.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }

        return (ids, EvidenceHash.ToHex(whole.GetHashAndReset()), wholeMd5.GetHashAndReset(), resumed);
    }

    private static async Task<int> ReadBlockAsync(Stream file, byte[] buffer, int size, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < size)
        {
            int n = await file.ReadAsync(buffer.AsMemory(total, size - total), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static async Task<string> ReadBackAsync(BlockBlobClient blob, ETag etag, string path, long length, int resumed, IProgress<UploadProgress>? progress,
        CancellationToken cancellationToken)
    {
        var conditions = new BlobRequestConditions { IfMatch = etag };
        BlobDownloadStreamingResult download = (await blob.DownloadStreamingAsync(new BlobDownloadOptions { Conditions = conditions }, cancellationToken).ConfigureAwait(false)).Value;
        await using Stream content = download.Content;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long done = 0;
            int n;
            while ((n = await content.ReadAsync(buffer.AsMemory(0, 1 << 20), cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                done += n;
                progress?.Report(new UploadProgress(path, "Verifying", done, length, resumed));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return EvidenceHash.ToHex(hash.GetHashAndReset());
    }

    // A blob that is not the file must not be mistaken for evidence: it is deleted where the container allows.
    private static async Task<string> DiscardAsync(BlockBlobClient blob, ETag etag)
    {
        try
        {
            await blob.DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, new BlobRequestConditions { IfMatch = etag }).ConfigureAwait(false);
            return "The blob was deleted; send the file again.";
        }
        catch (RequestFailedException e)
        {
            return $"The blob could not be deleted ({e.ErrorCode ?? e.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)}); it carries the file's SHA-256 in its metadata, which it does not match.";
        }
    }

    // The WORM state as text, and whether the blob itself reports a retention policy and a legal hold.
    private static async Task<(string Text, bool Retained, bool Held)> ImmutabilityAsync(BlobDestination destination, BlockBlobClient blob, CancellationToken cancellationToken)
    {
        var parts = new List<string>();
        bool retained = false, held = false;
        try
        {
            BlobProperties p = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            if (p.ImmutabilityPolicy?.ExpiresOn is DateTimeOffset expires)
            {
                retained = true;
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"blob retained until {expires.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} ({p.ImmutabilityPolicy.PolicyMode})"));
            }

            if (p.HasLegalHold)
            {
                held = true;
                parts.Add("blob under legal hold");
            }
        }
        catch (RequestFailedException)
        {
            parts.Add("blob properties unreadable");
        }

        string container = await CheckContainerAsync(destination, cancellationToken).ConfigureAwait(false);
        if (container != "none")
        {
            parts.Add(container);
        }

        return (parts.Count == 0 ? "none" : string.Join("; ", parts), retained, held);
    }

    private static string ContainerImmutability(BlobContainerProperties p)
    {
        var parts = new List<string>();
        if (p.HasImmutableStorageWithVersioning)
        {
            parts.Add("container: version-level WORM");
        }

        if (p.HasImmutabilityPolicy == true)
        {
            parts.Add("container: time-based retention policy");
        }

        if (p.HasLegalHold == true)
        {
            parts.Add("container: legal hold");
        }

        return parts.Count == 0 ? "none" : string.Join("; ", parts);
    }

    private static Dictionary<string, string> Metadata(CustodyManifest manifest, string sha256, long length, string manifestBlob, string toolVersion)
    {
        string json = manifest.ToJson();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["sha256"] = sha256,
            ["bytes"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["custodymanifestblob"] = Uri.EscapeDataString(manifestBlob),
            ["custodymanifestsha256"] = EvidenceHash.ToHex(SHA256.HashData(Encoding.UTF8.GetBytes(json))),
            ["tool"] = "KForensics " + toolVersion,
        };
        if (manifest.Protection is ManifestProtection protection)
        {
            metadata["plaintextsha256"] = protection.PlaintextSha256;
        }

        // Metadata is ASCII and about 8 KiB in all: the manifest goes in base64 when it fits, and is always beside the blob.
        string encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(json));
        if (encoded.Length <= MetadataManifestLimit)
        {
            metadata["custodymanifest"] = encoded;
        }

        return metadata;
    }

    private static StorageException Map(RequestFailedException e, BlobDestination destination, string? blobName)
    {
        string where = blobName is null ? destination.Url : destination.Url + "/" + blobName;
        string code = e.ErrorCode ?? string.Empty;
        return e.Status switch
        {
            0 => new StorageException(StorageFailure.ConnectionFailed, $"Cannot reach {where}: {e.Message}", e),
            400 when code is "Md5Mismatch" or "Crc64Mismatch" => new StorageException(StorageFailure.HashMismatch,
                $"A block sent to {where} arrived changed: the service's check of its MD5 failed ({code}). Nothing was committed; send the file again.", e),
            401 => new StorageException(StorageFailure.Unauthorized, $"{where} refused the sign-in ({destination.Authentication}, {code}).", e),
            403 when code.StartsWith("AuthorizationPermissionMismatch", StringComparison.Ordinal) || code.StartsWith("AuthorizationFailure", StringComparison.Ordinal)
                || code.StartsWith("AuthorizationResourceTypeMismatch", StringComparison.Ordinal) =>
                new StorageException(StorageFailure.Forbidden,
                    $"{where} refused the upload: the credential ({destination.Authentication}{(destination.SasPermissions is null ? string.Empty : ", SAS permissions '" + destination.SasPermissions + "'")}) may not write there ({code}). Grant write, create and read (a SAS with 'rcw', or the Storage Blob Data Contributor role).", e),
            403 => new StorageException(StorageFailure.Unauthorized, $"{where} refused the credential ({destination.Authentication}, {code}): {FirstLine(e.Message)}", e),
            404 when code == "ContainerNotFound" || blobName is null => new StorageException(StorageFailure.ContainerNotFound, $"The container {destination.Url} does not exist; create it first.", e),
            409 when code.Contains("Immutable", StringComparison.Ordinal) || code.Contains("LegalHold", StringComparison.Ordinal) =>
                new StorageException(StorageFailure.Immutable, $"{where} is immutable (WORM, {code}): it cannot be replaced.", e),
            409 or 412 when code.StartsWith("Lease", StringComparison.Ordinal) => new StorageException(StorageFailure.Failed,
                $"{where} is leased by another client ({code}): nothing can replace it until that lease is released, broken or ends.", e),
            409 or 412 when code is "BlobAlreadyExists" or "ConditionNotMet" or "TargetConditionNotMet" =>
                new StorageException(StorageFailure.BlobExists, $"The blob {where} exists.", e),
            _ => new StorageException(StorageFailure.Failed, $"Storing {where} failed ({e.Status} {code}): {FirstLine(e.Message)}", e),
        };
    }

    // The SDK's retries end in an AggregateException of the attempts' failures; no answer at all is status 0.
    private static bool IsConnectionFailure(Exception e) => e switch
    {
        HttpRequestException or System.Net.Sockets.SocketException => true,
        RequestFailedException r => r.Status == 0,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(IsConnectionFailure),
        _ => false,
    };

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
