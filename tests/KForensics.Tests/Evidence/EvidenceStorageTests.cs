using System.IO.Compression;
using System.Text;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Storage;
using KForensics.Core.Kubernetes;
using Xunit;

namespace KForensics.Tests.Evidence;

/// <summary>Block ids, SAS permission checks, the manifest beside a file and the in-transit capture check.</summary>
public sealed class EvidenceStorageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kf-evidence-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void BlockIdsHaveOneLengthAndNameTheirIndexAndContent()
    {
        byte[] a = System.Security.Cryptography.SHA256.HashData("a"u8);
        byte[] b = System.Security.Cryptography.SHA256.HashData("b"u8);
        string first = EvidenceUploader.BlockId(0, a);
        Assert.Equal(first.Length, EvidenceUploader.BlockId(99_999, b).Length);
        Assert.NotEqual(first, EvidenceUploader.BlockId(0, b));
        Assert.NotEqual(first, EvidenceUploader.BlockId(1, a));
        Assert.StartsWith("kf1-00000000-" + EvidenceHash.ToHex(a)[..40], Encoding.ASCII.GetString(Convert.FromBase64String(first)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rl", true)]
    [InlineData("rw", false)]
    [InlineData("rcw", false)]
    [InlineData("cw", true)]
    public void ASasIsCheckedForWhatAnUploadNeeds(string permissions, bool refused)
    {
        var destination = BlobDestination.FromUrl($"https://account.blob.core.windows.net/evidence?sv=2024-11-04&sr=c&sp={permissions}&sig=abc", null);
        Assert.Equal("SAS", destination.Authentication);
        Assert.Equal("https://account.blob.core.windows.net/evidence", destination.Url);
        string? missing = destination.MissingSasPermissions();
        Assert.Equal(refused, missing is not null);
        if (missing is not null)
        {
            Assert.Contains($"'{permissions}'", missing, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("https://account.blob.core.windows.net/")]
    [InlineData("ftp://account/evidence")]
    public void WhatIsNotAContainerUrlIsRefused(string url)
        => Assert.Equal(StorageFailure.DestinationInvalid, Assert.Throws<StorageException>(() => BlobDestination.FromUrl(url, null)).Failure);

    [Fact]
    public void TheManifestBesideAFileIsTheOneThatNamesIt()
    {
        string file = Path.Combine(_dir, "capture-web-1.scap.gz");
        File.WriteAllText(file, "x");
        var wrong = CustodyManifestFile.ForFile(Path.Combine(_dir, "other.scap.gz"), 1, new string('0', 64), "1", DateTime.UtcNow);
        File.WriteAllText(Path.Combine(_dir, "capture-web-1.scap.gz.manifest.json"), wrong.ToJson());
        Assert.Null(CustodyManifestFile.Find(file));

        var right = CustodyManifestFile.ForFile(file, 1, new string('1', 64), "1", DateTime.UtcNow);
        File.WriteAllText(Path.Combine(_dir, "capture-web-1.manifest.json"), right.ToJson());
        var found = CustodyManifestFile.Find(file);
        Assert.NotNull(found);
        Assert.Equal(Path.Combine(_dir, "capture-web-1.manifest.json"), found.Value.Path);
        Assert.Equal(new string('1', 64), found.Value.Manifest.File.Sha256);
    }

    [Fact]
    public async Task TheCaptureCheckTellsACaptureFromWhatIsNot()
    {
        byte[] scap = [0x0A, 0x0D, 0x0D, 0x0A, .. new byte[300_000]];
        Assert.Null(await Check(Gzip(scap)));
        Assert.Contains("scap section header", await Check(Gzip("not a capture"u8.ToArray())), StringComparison.Ordinal);
        Assert.Contains("gzip", await Check(scap), StringComparison.Ordinal);
        // A cut stream is not this check's to find (.NET's GZipStream ends quietly at a cut): the SHA-256 against the pod's is.
    }

    // Azurite has no immutability policies or legal holds (its README lists them among the features it does not
    // support), so the refusal of a WORM blob is driven here by the answer the Blob service documents for one: the
    // commit of a new block list is refused with 409 and the error code naming the policy or the hold.
    [Theory]
    [InlineData("BlobImmutableDueToPolicy", "This operation is not permitted as the blob is immutable due to a policy.")]
    [InlineData("BlobImmutableDueToLegalHold", "This operation is not permitted as the blob is immutable due to one or more legal holds.")]
    public async Task AWormBlobIsRefusedEvenWithForceAndNothingIsWrittenBesideIt(string code, string message)
    {
        string file = Path.Combine(_dir, "worm.bin");
        File.WriteAllBytes(file, System.Security.Cryptography.RandomNumberGenerator.GetBytes(3 << 20));
        var service = new WormBlobService(code, message);
        var options = new Azure.Storage.Blobs.BlobClientOptions { Transport = new Azure.Core.Pipeline.HttpClientTransport(service) };
        options.Retry.MaxRetries = 0;
        string key = Convert.ToBase64String(new byte[64]);
        var destination = BlobDestination.FromConnectionString(
            $"DefaultEndpointsProtocol=http;AccountName=kfworm;AccountKey={key};BlobEndpoint=http://127.0.0.1:9/kfworm;", "evidence", options);

        var e = await Assert.ThrowsAsync<StorageException>(() => EvidenceUploader.UploadAsync(destination, file, "worm.bin", null,
            new UploadOptions { BlockSizeBytes = 1 << 20, Overwrite = true }, null, CancellationToken.None));

        Assert.Equal(StorageFailure.Immutable, e.Failure);
        Assert.Contains($"WORM, {code}", e.Message, StringComparison.Ordinal);
        // The engine says it cannot be replaced; that -Force does not help is the cmdlet layer's advice.
        Assert.Contains("it cannot be replaced", e.Message, StringComparison.Ordinal);
        // Every block was staged, the commit was the one refusal, and no manifest went beside the blob it did not replace.
        Assert.Equal(3, service.Requests.Count(r => r.StartsWith("PUT /kfworm/evidence/worm.bin?comp=block&", StringComparison.Ordinal)));
        Assert.Single(service.Requests, r => r.StartsWith("PUT /kfworm/evidence/worm.bin?comp=blocklist", StringComparison.Ordinal));
        Assert.DoesNotContain(service.Requests, r => r.Contains("manifest", StringComparison.Ordinal));
    }

    private static async Task<string?> Check(byte[] data)
    {
        var check = new CaptureStreamCheck();
        for (int i = 0; i < data.Length; i += 7000)
        {
            await check.Input.WriteAsync(data.AsMemory(i, Math.Min(7000, data.Length - i)));
        }

        return await check.FinishAsync();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}

/// <summary>
/// The Blob service's answers for a blob under an immutability policy or legal hold, as its REST reference gives
/// them: block lists read and blocks staged as usual, the commit that would replace the blob refused with 409.
/// </summary>
internal sealed class WormBlobService(string code, string message) : HttpMessageHandler
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string line = $"{request.Method} {request.RequestUri!.PathAndQuery}";
        Requests.Enqueue(line);
        if (request.Content is not null)
        {
            await request.Content.ReadAsByteArrayAsync(cancellationToken);
        }

        string query = request.RequestUri.Query;
        HttpResponseMessage response;
        if (request.Method == HttpMethod.Get && query.Contains("comp=blocklist", StringComparison.Ordinal))
        {
            response = new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                Content = new StringContent("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><CommittedBlocks /><UncommittedBlocks /></BlockList>",
                    Encoding.UTF8, "application/xml"),
            };
        }
        else if (request.Method == HttpMethod.Put && query.Contains("comp=block&", StringComparison.Ordinal))
        {
            response = new HttpResponseMessage(System.Net.HttpStatusCode.Created);
        }
        else if (request.Method == HttpMethod.Put && query.Contains("comp=blocklist", StringComparison.Ordinal))
        {
            response = new HttpResponseMessage(System.Net.HttpStatusCode.Conflict)
            {
                Content = new StringContent($"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>",
                    Encoding.UTF8, "application/xml"),
            };
            response.Headers.Add("x-ms-error-code", code);
        }
        else
        {
            response = new HttpResponseMessage(System.Net.HttpStatusCode.NotImplemented);
        }

        response.Headers.Add("x-ms-request-id", Guid.NewGuid().ToString());
        response.Headers.Add("x-ms-version", "2025-11-05");
        return response;
    }
}
