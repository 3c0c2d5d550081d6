using System.Globalization;
using System.IO.Compression;
using k8s;
using k8s.Models;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Protection;

namespace KForensics.Core.Kubernetes;

/// <summary>
/// One capture, end to end: create the capture pod, watch it until sysdig ends or the timeout passes,
/// hash the file in the pod, stream it out, hash it again here, compare, write it and its custody
/// manifest, and delete the capture pod whatever happened (cancellation included).
/// </summary>
public sealed class CaptureSession
{
    private static readonly byte[] ScapMagic = { 0x0A, 0x0D, 0x0D, 0x0A };
    private readonly KubeConnection _connection;
    private readonly CaptureOptions _options;
    private readonly string _toolVersion;

    public CaptureSession(KubeConnection connection, CaptureOptions options, string toolVersion)
    {
        _connection = connection;
        _options = options;
        _toolVersion = toolVersion;
    }

    private IKubernetes Client => _connection.Client;

    public async Task<PodCapture> RunAsync(PodTarget target, string outputDirectory, IProgress<CaptureProgress>? progress, CancellationToken cancellationToken)
        => (PodCapture)await RunCoreAsync(target, outputDirectory, null, progress, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The same capture, encrypted to <paramref name="recipients"/> as it arrives (capture-POD-TIME.scap.gz.gpg): the
    /// clear capture never reaches the disk; it is hashed and checked (gzip, scap header) in transit instead.
    /// </summary>
    public async Task<ProtectedEvidence> RunProtectedAsync(PodTarget target, string outputDirectory, IReadOnlyList<EvidenceRecipient> recipients,
        IProgress<CaptureProgress>? progress, CancellationToken cancellationToken)
        => (ProtectedEvidence)await RunCoreAsync(target, outputDirectory, recipients, progress, cancellationToken).ConfigureAwait(false);

    private async Task<object> RunCoreAsync(PodTarget target, string outputDirectory, IReadOnlyList<EvidenceRecipient>? recipients, IProgress<CaptureProgress>? progress,
        CancellationToken cancellationToken)
    {
        string podName = CapturePodBuilder.NewPodName(target.Name);
        V1Pod pod = CapturePodBuilder.Build(target, _options, podName);
        string? filter = CapturePodBuilder.EffectiveFilter(target, _options);
        void Step(string message, int percent) => progress?.Report(new CaptureProgress(target.Name, target.Namespace, message, true, null, percent));

        bool created = false;
        try
        {
            Step($"Creating capture pod {podName} on node {target.NodeName} (image {_options.Image}, filter: {filter ?? "none"}).", 0);
            try
            {
                await Client.CoreV1.CreateNamespacedPodAsync(pod, target.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw KubeOperationException.From(e, $"create capture pod '{podName}' in namespace '{target.Namespace}'");
            }

            created = true;
            var (startUtc, endUtc) = await WaitForSysdigAsync(target, podName, progress, cancellationToken).ConfigureAwait(false);

            Step($"sysdig ended; hashing {CapturePodBuilder.OutputPath} in the capture pod.", 80);
            PodExec.Result sum = await PodExec.RunAsync(Client, podName, target.Namespace, CapturePodBuilder.KeeperContainer,
                new[] { "sha256sum", CapturePodBuilder.OutputPath }, cancellationToken).ConfigureAwait(false);
            string? sourceHash = sum.ExitCode == 0 ? EvidenceHash.ParseSha256Sum(sum.StandardOutput) : null;
            if (sourceHash is null)
            {
                throw new KubeOperationException(KubeFailureKind.CaptureEmpty,
                    $"sysdig ended but left no capture file in pod '{podName}' ({sum.StandardError.Trim()}).",
                    logTail: await LogTailAsync(podName, target.Namespace).ConfigureAwait(false));
            }

            Directory.CreateDirectory(outputDirectory);
            string stem = string.Create(CultureInfo.InvariantCulture, $"capture-{target.Name}-{startUtc:yyyyMMdd'T'HHmmss'Z'}");
            // Evidence already on disk is never overwritten: a second capture in the same second gets -2, -3...
            for (int n = 2; File.Exists(Path.Combine(outputDirectory, stem + ".scap.gz")) || File.Exists(Path.Combine(outputDirectory, stem + ".scap.gz.gpg")); n++)
            {
                stem = string.Create(CultureInfo.InvariantCulture, $"capture-{target.Name}-{startUtc:yyyyMMdd'T'HHmmss'Z'}-{n}");
            }

            string fileName = stem + ".scap.gz";
            if (recipients is not null)
            {
                return await CopyProtectedAsync(target, pod, podName, filter, outputDirectory, fileName, sourceHash, startUtc, endUtc, recipients, Step, cancellationToken)
                    .ConfigureAwait(false);
            }

            string path = Path.Combine(outputDirectory, fileName);
            string partial = path + ".partial";
            File.Delete(partial);
            try
            {
                Step($"Copying the capture out of {podName} to {path}.", 85);
                var copied = await PodExec.CopyFileOutAsync(Client, podName, target.Namespace, CapturePodBuilder.KeeperContainer,
                    CapturePodBuilder.OutputDirectory, CapturePodBuilder.OutputFileName, partial, null, cancellationToken).ConfigureAwait(false);
                string localHash = await EvidenceHash.Sha256FileAsync(partial, cancellationToken).ConfigureAwait(false);
                Step($"Hashes: in the pod {sourceHash}, in transit {copied.Sha256}, on disk {localHash}.", 95);
                if (copied.Bytes == 0)
                {
                    throw new KubeOperationException(KubeFailureKind.CaptureEmpty, $"The capture of pod '{target.Name}' is empty (0 bytes).",
                        logTail: await LogTailAsync(podName, target.Namespace).ConfigureAwait(false));
                }

                if (!string.Equals(sourceHash, localHash, StringComparison.Ordinal) || !string.Equals(copied.Sha256, localHash, StringComparison.Ordinal))
                {
                    throw new KubeOperationException(KubeFailureKind.HashMismatch,
                        $"The capture of pod '{target.Name}' changed on its way: SHA-256 in the pod {sourceHash}, received {localHash}. The copy was discarded.");
                }

                await VerifyScapAsync(partial, target, cancellationToken).ConfigureAwait(false);
                File.Move(partial, path, overwrite: false);

                string manifestPath = Path.Combine(outputDirectory, stem + ".manifest.json");
                CustodyManifest manifest = BuildManifest(target, pod, podName, filter, fileName, copied.Bytes, sourceHash, localHash, startUtc, endUtc);
                await manifest.WriteAsync(manifestPath, cancellationToken).ConfigureAwait(false);
                Step($"Wrote {path} ({copied.Bytes} bytes) and {manifestPath}.", 100);
                return new PodCapture(target, path, manifestPath, copied.Bytes, localHash, startUtc, endUtc, filter, podName, _options.KeepCapturePod, _connection.Context);
            }
            catch
            {
                File.Delete(partial);
                throw;
            }
        }
        finally
        {
            if (created)
            {
                await CleanUpAsync(target, podName, progress).ConfigureAwait(false);
            }
        }
    }

    private async Task<ProtectedEvidence> CopyProtectedAsync(PodTarget target, V1Pod pod, string podName, string? filter, string outputDirectory, string fileName,
        string sourceHash, DateTime startUtc, DateTime endUtc, IReadOnlyList<EvidenceRecipient> recipients, Action<string, int> step, CancellationToken cancellationToken)
    {
        string path = Path.Combine(outputDirectory, EvidenceFileProtection.TargetFor(fileName, recipients));
        string partial = path + ".partial";
        File.Delete(partial);
        var check = new CaptureStreamCheck();
        ProtectedWriteStream? encrypted = null;
        ProtectionDigest? digest = null;
        try
        {
            step($"Copying the capture out of {podName}, encrypted to {string.Join(", ", recipients)} as it arrives, to {path}.", 85);
            var copied = await PodExec.CopyFileOutAsync(Client, podName, target.Namespace, CapturePodBuilder.KeeperContainer,
                CapturePodBuilder.OutputDirectory, CapturePodBuilder.OutputFileName, partial, null, cancellationToken, file =>
                {
                    encrypted = new ProtectedWriteStream(file, recipients, fileName, startUtc);
                    return (new TeeWriteStream(encrypted, check.Input), () => digest = encrypted.Complete());
                }).ConfigureAwait(false);
            string? invalid = await check.FinishAsync().ConfigureAwait(false);
            string encryptedHash = digest!.PlaintextSha256;
            step($"Hashes: in the pod {sourceHash}, in transit {copied.Sha256}, encrypted {encryptedHash}; ciphertext {digest.CiphertextSha256}.", 95);
            if (copied.Bytes == 0)
            {
                throw new KubeOperationException(KubeFailureKind.CaptureEmpty, $"The capture of pod '{target.Name}' is empty (0 bytes).",
                    logTail: await LogTailAsync(podName, target.Namespace).ConfigureAwait(false));
            }

            if (!string.Equals(sourceHash, encryptedHash, StringComparison.Ordinal) || !string.Equals(copied.Sha256, encryptedHash, StringComparison.Ordinal))
            {
                throw new KubeOperationException(KubeFailureKind.HashMismatch,
                    $"The capture of pod '{target.Name}' changed on its way: SHA-256 in the pod {sourceHash}, received {encryptedHash}. The copy was discarded.");
            }

            if (invalid is not null)
            {
                throw new KubeOperationException(KubeFailureKind.CaptureInvalid, $"The capture of pod '{target.Name}' is not valid: {invalid}.");
            }

            File.Move(partial, path, overwrite: false);
            CustodyManifest origin = BuildManifest(target, pod, podName, filter, fileName, copied.Bytes, sourceHash, encryptedHash, startUtc, endUtc);
            ProtectedEvidence result = EvidenceFileProtection.Record(path, digest, fileName, null, recipients, origin, DateTime.UtcNow, cancellationToken);
            step($"Wrote {path} ({digest.CiphertextBytes} bytes, {copied.Bytes} in the clear) and {result.ManifestPath}.", 100);
            return result;
        }
        catch
        {
            await check.FinishAsync().ConfigureAwait(false);
            File.Delete(partial);
            throw;
        }
        finally
        {
            encrypted?.Dispose();
        }
    }

    private async Task<(DateTime Start, DateTime End)> WaitForSysdigAsync(PodTarget target, string podName, IProgress<CaptureProgress>? progress, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(_options.DurationSeconds + (double)_options.TimeoutSeconds));
        var watcher = new CaptureWatcher(Client, target.Namespace, podName);
        Task<(DateTime Start, DateTime End, int ExitCode, string? Reason)> watch = watcher.WaitAsync(deadline.Token);
        try
        {
            bool announced = false;
            while (!watch.IsCompleted)
            {
                DateTime? started = watcher.SysdigStartedUtc;
                if (started is DateTime s && !announced)
                {
                    announced = true;
                    progress?.Report(new CaptureProgress(target.Name, target.Namespace, $"sysdig is capturing on node {target.NodeName} for {_options.DurationSeconds} s.", true, _options.DurationSeconds, 5));
                }

                if (started is DateTime t)
                {
                    int left = Math.Max(0, _options.DurationSeconds - (int)(DateTime.UtcNow - t).TotalSeconds);
                    int percent = 5 + (int)(70.0 * (_options.DurationSeconds - left) / Math.Max(1, _options.DurationSeconds));
                    string text = left > 0 ? $"Capturing: {left} s left" : "Waiting for sysdig to finish";
                    progress?.Report(new CaptureProgress(target.Name, target.Namespace, text, false, left, percent));
                }
                else
                {
                    progress?.Report(new CaptureProgress(target.Name, target.Namespace, "Waiting for the capture pod to start", false, _options.DurationSeconds, 2));
                }

                await Task.WhenAny(watch, Task.Delay(1000, deadline.Token)).ConfigureAwait(false);
            }

            var result = await watch.ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw new KubeOperationException(KubeFailureKind.CaptureFailed,
                    $"sysdig in capture pod '{podName}' failed (exit code {result.ExitCode}{(result.Reason is null ? string.Empty : ", " + result.Reason)}).",
                    logTail: await LogTailAsync(podName, target.Namespace).ConfigureAwait(false));
            }

            return (result.Start, result.End);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KubeOperationException(KubeFailureKind.Timeout,
                $"The capture of pod '{target.Name}' did not finish within {_options.DurationSeconds} s + the {_options.TimeoutSeconds} s timeout (capture pod '{podName}', {watcher.LastState}).",
                logTail: await LogTailAsync(podName, target.Namespace).ConfigureAwait(false));
        }
    }

    /// <summary>The sysdig container's last lines, for errors; never throws, since it only decorates another failure.</summary>
    private async Task<string> LogTailAsync(string podName, string @namespace)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await using Stream log = await Client.CoreV1.ReadNamespacedPodLogAsync(podName, @namespace, container: CapturePodBuilder.SysdigContainer,
                tailLines: _options.LogTailLines, cancellationToken: cts.Token).ConfigureAwait(false);
            using var reader = new StreamReader(log);
            return (await reader.ReadToEndAsync(cts.Token).ConfigureAwait(false)).TrimEnd();
        }
        catch (Exception e)
        {
            return $"(the log of container {CapturePodBuilder.SysdigContainer} is not available: {e.Message})";
        }
    }

    // Runs on success, failure and cancellation alike, with its own time budget, because the caller's
    // token may already be cancelled and a privileged pod must not outlive the cmdlet.
    private async Task CleanUpAsync(PodTarget target, string podName, IProgress<CaptureProgress>? progress)
    {
        if (_options.KeepCapturePod)
        {
            progress?.Report(new CaptureProgress(target.Name, target.Namespace, $"Keeping capture pod {podName}, as asked; it runs until it is removed.", true, null, 100));
            return;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await CapturePodInventory.DeleteAsync(Client, podName, target.Namespace, cts.Token).ConfigureAwait(false);
            progress?.Report(new CaptureProgress(target.Name, target.Namespace, $"Deleted capture pod {podName}.", true, null, 100));
        }
        catch (KubeOperationException e) when (e.Kind == KubeFailureKind.NotFound)
        {
        }
        catch (KubeOperationException e)
        {
            // Reported, not thrown: the capture may be good, and a throw from finally would hide it.
            progress?.Report(new CaptureProgress(target.Name, target.Namespace,
                $"Capture pod '{podName}' in namespace '{target.Namespace}' could not be deleted and is still running privileged on node {target.NodeName}: {e.Message}",
                true, null, 100) { CleanupFailure = e });
        }
        catch (OperationCanceledException e)
        {
            progress?.Report(new CaptureProgress(target.Name, target.Namespace,
                $"Deleting capture pod '{podName}' in namespace '{target.Namespace}' timed out; it may still be running privileged on node {target.NodeName}.", true, null, 100)
            {
                CleanupFailure = new KubeOperationException(KubeFailureKind.Timeout, $"Deleting capture pod '{podName}' timed out.", e),
            });
        }
    }

    private static async Task VerifyScapAsync(string path, PodTarget target, CancellationToken cancellationToken)
    {
        byte[] head = new byte[4];
        int read = 0;
        try
        {
            await using var file = File.OpenRead(path);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            while (read < head.Length)
            {
                int n = await gzip.ReadAsync(head.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            // Read to the end so a truncated stream is caught here, not by the analyst later.
            await gzip.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new KubeOperationException(KubeFailureKind.CaptureInvalid, $"The capture of pod '{target.Name}' is not a valid gzip stream: {e.Message}", e);
        }

        if (read < head.Length || !head.AsSpan().SequenceEqual(ScapMagic))
        {
            throw new KubeOperationException(KubeFailureKind.CaptureInvalid, $"The capture of pod '{target.Name}' does not start with a scap section header block.");
        }
    }

    private CustodyManifest BuildManifest(PodTarget target, V1Pod pod, string podName, string? filter, string fileName, long bytes,
        string sourceHash, string localHash, DateTime startUtc, DateTime endUtc)
    {
        V1Container sysdig = pod.Spec.Containers[0];
        Dictionary<string, object?> source = _connection.ProvenanceOf(target);
        source["containers"] = target.Containers.Select(c => new Dictionary<string, string>
        {
            ["name"] = c.Name, ["id"] = c.Id, ["runtime"] = c.Runtime.ToString(), ["image"] = c.Image, ["imageId"] = c.ImageId,
        }).ToList();
        source["capturePod"] = podName;
        source["sysdigImage"] = sysdig.Image;
        source["sysdigCommand"] = (sysdig.Command ?? new List<string>()).Concat(sysdig.Args ?? new List<string>()).ToList();
        source["driver"] = _options.Driver.ToString();
        source["durationSeconds"] = _options.DurationSeconds;
        source["snapLength"] = _options.SnapLength;
        source["nodeWide"] = _options.NodeWide;
        source["filter"] = filter;
        return CustodyManifest.Acquired("PodCapture", _toolVersion, startUtc, endUtc, DateTime.UtcNow,
            new ManifestFile { Name = fileName, Bytes = bytes, Sha256AtSource = sourceHash, Sha256 = localHash }, source);
    }
}
