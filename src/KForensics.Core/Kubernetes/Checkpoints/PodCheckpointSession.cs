using System.Globalization;
using k8s;
using k8s.Models;
using KForensics.Core.Evidence;
using KForensics.Core.Evidence.Protection;

namespace KForensics.Core.Kubernetes;

/// <summary>
/// One container's checkpoint, end to end: ask its kubelet (through the node proxy), start a helper pod
/// on the node that mounts only the checkpoints directory, hash the archive there, stream it out over
/// exec, hash it here, compare, write it and its custody manifest, optionally remove the node's copy, and
/// delete the helper pod whatever happened (cancellation included).
/// </summary>
public sealed class PodCheckpointSession
{
    private readonly KubeConnection _connection;
    private readonly PodCheckpointOptions _options;
    private readonly string _toolVersion;

    public PodCheckpointSession(KubeConnection connection, PodCheckpointOptions options, string toolVersion)
    {
        _connection = connection;
        _options = options;
        _toolVersion = toolVersion;
    }

    private IKubernetes Client => _connection.Client;

    /// <summary>The requests New-PodCheckpoint makes for one container, for -DryRun.</summary>
    public static IReadOnlyList<string> PlannedRequests(PodTarget target, string container, PodCheckpointOptions options) =>
    [
        "POST " + KubeletCheckpointApi.RequestPath(target.NodeName, target.Namespace, target.Name, container, options.TimeoutSeconds),
        $"POST /api/v1/namespaces/{target.Namespace}/pods (helper pod kf-checkpoint-{target.Name}-*, node {target.NodeName}, image {options.HelperImage}, hostPath <kubelet checkpoints directory> {(options.RemoveFromNode ? "read-write" : "read-only")})",
        $"GET /api/v1/namespaces/{target.Namespace}/pods/kf-checkpoint-{target.Name}-* (until it runs)",
        $"GET /api/v1/namespaces/{target.Namespace}/pods/kf-checkpoint-{target.Name}-*/exec (stat, sha256sum, tar{(options.RemoveFromNode ? ", rm" : string.Empty)})",
        $"DELETE /api/v1/namespaces/{target.Namespace}/pods/kf-checkpoint-{target.Name}-*",
    ];

    /// <summary>The RBAC the caller needs, as a ClusterRole and Role in YAML.</summary>
    public static string RequiredRbac(IEnumerable<string> namespaces) =>
        string.Join(Environment.NewLine, new[]
        {
            "apiVersion: rbac.authorization.k8s.io/v1",
            "kind: ClusterRole",
            "metadata:",
            "  name: kforensics-pod-checkpoint",
            "rules:",
            "- apiGroups: [\"\"]",
            "  resources: [\"nodes/proxy\"]",
            "  verbs: [\"create\"]          # POST .../nodes/{node}/proxy/checkpoint/...",
            "- apiGroups: [\"\"]",
            "  resources: [\"nodes\"]",
            "  verbs: [\"get\"]             # the node's taints, for the helper pod",
            "- apiGroups: [\"\"]",
            "  resources: [\"pods\"]",
            "  verbs: [\"get\", \"list\", \"create\", \"delete\"]",
            "- apiGroups: [\"\"]",
            "  resources: [\"pods/exec\"]",
            "  verbs: [\"create\", \"get\"]",
            "# Bind it cluster-wide, or the pods rules with a RoleBinding in each helper namespace: " + string.Join(", ", namespaces.Distinct()),
            "# The API server's own kubelet-client identity needs create on nodes/checkpoint on the kubelet side;",
            "# the built-in system:kubelet-api-admin role lacks it:",
            "# - apiGroups: [\"\"]",
            "#   resources: [\"nodes/checkpoint\"]",
            "#   verbs: [\"create\"]",
        });

    public async Task<PodCheckpoint> RunAsync(PodTarget target, TargetContainer container, string outputDirectory, IProgress<CaptureProgress>? progress,
        CancellationToken cancellationToken)
        => (PodCheckpoint)await RunCoreAsync(target, container, outputDirectory, null, progress, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The same checkpoint, encrypted to <paramref name="recipients"/> as it arrives from the node (NAME.tar.gpg): the
    /// archive, which holds the container's memory, never reaches this disk in the clear.
    /// </summary>
    public async Task<ProtectedEvidence> RunProtectedAsync(PodTarget target, TargetContainer container, string outputDirectory,
        IReadOnlyList<EvidenceRecipient> recipients, IProgress<CaptureProgress>? progress, CancellationToken cancellationToken)
        => (ProtectedEvidence)await RunCoreAsync(target, container, outputDirectory, recipients, progress, cancellationToken).ConfigureAwait(false);

    private async Task<object> RunCoreAsync(PodTarget target, TargetContainer container, string outputDirectory, IReadOnlyList<EvidenceRecipient>? recipients,
        IProgress<CaptureProgress>? progress, CancellationToken cancellationToken)
    {
        void Step(string message, int percent) => progress?.Report(new CaptureProgress(target.Name, target.Namespace, $"[{container.Name}] {message}", true, null, percent));

        DateTime checkpointedUtc = DateTime.UtcNow;
        Step($"Asking the kubelet on node {target.NodeName} to checkpoint {target.Namespace}/{target.Name}/{container.Name} (timeout {_options.TimeoutSeconds} s).", 0);
        string nodePath = await KubeletCheckpointApi.CheckpointAsync(Client, target.NodeName, target.Namespace, target.Name, container.Name,
            _options.TimeoutSeconds, cancellationToken).ConfigureAwait(false);
        int slash = nodePath.LastIndexOf('/');
        if (slash <= 0 || slash == nodePath.Length - 1)
        {
            throw new KubeOperationException(KubeFailureKind.CheckpointFailed, $"The kubelet reported an archive path that is not a file path: '{nodePath}'.");
        }

        string nodeDirectory = nodePath[..slash];
        string nodeFile = nodePath[(slash + 1)..];
        Step($"The kubelet wrote {nodePath}.", 30);

        string helper = CheckpointHelperPod.NewName(target.Name);
        V1Pod pod = CheckpointHelperPod.Build(helper, target.Namespace, target.NodeName, target.NodeTaints, nodeDirectory, _options.HelperImage,
            _options.RemoveFromNode, _options.TimeoutSeconds + 3600, target.Name);
        bool created = false;
        try
        {
            Step($"Starting helper pod {helper} on node {target.NodeName} (image {_options.HelperImage}, {nodeDirectory} mounted {(_options.RemoveFromNode ? "read-write" : "read-only")}).", 35);
            created = true;
            await CheckpointHelperPod.CreateAndWaitAsync(Client, pod, TimeSpan.FromSeconds(_options.HelperStartSeconds), cancellationToken).ConfigureAwait(false);

            string inPod = CheckpointHelperPod.MountPath + "/" + nodeFile;
            long size = await NodeCheckpointInventory.SizeAsync(Client, helper, target.Namespace, inPod, cancellationToken).ConfigureAwait(false);
            Step($"Hashing {nodePath} ({size} bytes) on the node.", 40);
            PodExec.Result sum = await PodExec.RunAsync(Client, helper, target.Namespace, CheckpointHelperPod.Container, ["sha256sum", inPod], cancellationToken).ConfigureAwait(false);
            string sourceHash = (sum.ExitCode == 0 ? EvidenceHash.ParseSha256Sum(sum.StandardOutput) : null)
                ?? throw new KubeOperationException(KubeFailureKind.CopyFailed, $"Cannot hash {nodePath} on node {target.NodeName}: {sum.StandardError.Trim()}");

            Directory.CreateDirectory(outputDirectory);
            string local = NodeCheckpointName.LocalName(nodeFile);
            string stem = local.EndsWith(".tar", StringComparison.Ordinal) ? local[..^4] : local;
            string path = Path.Combine(outputDirectory, stem + ".tar");
            for (int n = 2; File.Exists(path) || File.Exists(path + EvidenceFileProtection.Extension); n++)
            {
                path = Path.Combine(outputDirectory, stem + "-" + n.ToString(CultureInfo.InvariantCulture) + ".tar");
            }

            string plainName = Path.GetFileName(path);
            if (recipients is not null)
            {
                path += EvidenceFileProtection.ExtensionFor(EvidenceFileProtection.FormatOf(recipients));
            }

            string partial = path + ".partial";
            File.Delete(partial);
            ProtectionDigest? digest = null;
            try
            {
                var bytesProgress = new Progress<long>(b => progress?.Report(new CaptureProgress(target.Name, target.Namespace,
                    $"[{container.Name}] Copying {b:N0} of {size:N0} bytes", false, null, 45 + (int)(45.0 * b / Math.Max(1, size)))));
                Func<Stream, (Stream, Action)>? encrypt = recipients is null ? null : file =>
                {
                    var writer = new ProtectedWriteStream(file, recipients, plainName, checkpointedUtc);
                    return (writer, () => digest = writer.Complete());
                };
                PodExec.CopyResult copied = await CopyAsync(target, helper, nodeDirectory, nodeFile, partial, bytesProgress, encrypt, cancellationToken).ConfigureAwait(false);
                // Encrypted, the hash "here" is of the bytes fed to the encryption, the only form they take on this machine.
                string localHash = digest?.PlaintextSha256 ?? await EvidenceHash.Sha256FileAsync(partial, cancellationToken).ConfigureAwait(false);
                Step($"Hashes: on the node {sourceHash}, in transit {copied.Sha256}, on disk {localHash}.", 92);
                if (!string.Equals(sourceHash, localHash, StringComparison.Ordinal) || !string.Equals(copied.Sha256, localHash, StringComparison.Ordinal))
                {
                    throw new KubeOperationException(KubeFailureKind.HashMismatch,
                        $"The checkpoint of {target.Namespace}/{target.Name}/{container.Name} changed on its way: SHA-256 on the node {sourceHash}, received {localHash}. "
                        + $"The local copy was discarded; the node's archive is kept at {target.NodeName}:{nodePath}.");
                }

                File.Move(partial, path, overwrite: false);
            }
            catch
            {
                File.Delete(partial);
                throw;
            }

            DateTime acquiredUtc = DateTime.UtcNow;
            bool removed = false;
            if (_options.RemoveFromNode)
            {
                PodExec.Result rm = await PodExec.RunAsync(Client, helper, target.Namespace, CheckpointHelperPod.Container, ["rm", "-f", inPod], cancellationToken).ConfigureAwait(false);
                removed = rm.ExitCode == 0;
                Step(removed ? $"Removed {nodePath} from node {target.NodeName}." : $"Could not remove {nodePath} from node {target.NodeName}: {rm.StandardError.Trim()}", 96);
            }

            if (digest is not null)
            {
                CustodyManifest origin = BuildManifest(target, container, nodePath, helper, plainName, digest.PlaintextBytes, sourceHash, checkpointedUtc, acquiredUtc, removed);
                ProtectedEvidence result = EvidenceFileProtection.Record(path, digest, plainName, null, recipients!, origin, DateTime.UtcNow, cancellationToken);
                Step($"Wrote {path} (encrypted) and {result.ManifestPath}.", 100);
                return result;
            }

            string manifestPath = Path.Combine(outputDirectory, Path.GetFileNameWithoutExtension(path) + ".manifest.json");
            await BuildManifest(target, container, nodePath, helper, Path.GetFileName(path), new FileInfo(path).Length, sourceHash, checkpointedUtc, acquiredUtc, removed)
                .WriteAsync(manifestPath, cancellationToken).ConfigureAwait(false);
            Step($"Wrote {path} and {manifestPath}.", 100);
            return new PodCheckpoint(target, container, nodePath, path, manifestPath, new FileInfo(path).Length, sourceHash, sourceHash, checkpointedUtc, acquiredUtc,
                removed, helper, _connection.Context);
        }
        finally
        {
            if (created && await CheckpointHelperPod.DeleteAsync(Client, helper, target.Namespace).ConfigureAwait(false) is KubeOperationException failure)
            {
                progress?.Report(new CaptureProgress(target.Name, target.Namespace,
                    $"Helper pod '{helper}' in namespace '{target.Namespace}' could not be deleted: {failure.Message}", true, null, 100)
                {
                    CleanupFailure = failure,
                });
            }
        }
    }

    private async Task<PodExec.CopyResult> CopyAsync(PodTarget target, string helper, string nodeDirectory, string nodeFile, string partial, IProgress<long> progress,
        Func<Stream, (Stream, Action)>? encrypt, CancellationToken cancellationToken)
    {
        try
        {
            return await PodExec.CopyFileOutAsync(Client, helper, target.Namespace, CheckpointHelperPod.Container, CheckpointHelperPod.MountPath, nodeFile, partial,
                progress, cancellationToken, encrypt).ConfigureAwait(false);
        }
        catch (Exception e) when (DiskFull(e) is not null)
        {
            throw new KubeOperationException(KubeFailureKind.DiskFull,
                $"The local disk filled up while writing {partial}; the partial file was removed and the node's archive is kept at {target.NodeName}:{nodeDirectory}/{nodeFile}.", e);
        }
        catch (KubeOperationException e) when (e.Kind is KubeFailureKind.CopyFailed or KubeFailureKind.ConnectionFailed or KubeFailureKind.ApiError or KubeFailureKind.NotFound)
        {
            if (!await NodeExistsAsync(target.NodeName).ConfigureAwait(false))
            {
                throw new KubeOperationException(KubeFailureKind.NodeGone,
                    $"Node {target.NodeName} went away while its checkpoint archive {nodeDirectory}/{nodeFile} was being copied; nothing was kept locally.", e);
            }

            if (e.Kind is KubeFailureKind.CopyFailed)
            {
                throw new KubeOperationException(KubeFailureKind.CopyFailed,
                    $"{e.Message.TrimEnd()} Nothing was kept locally; the node's archive is kept at {target.NodeName}:{nodeDirectory}/{nodeFile}.", e, e.LogTail)
                {
                    Remedy = e.Remedy,
                };
            }

            throw;
        }
    }

    // ENOSPC on Unix, ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows; the exec layer may have wrapped it.
    private static IOException? DiskFull(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is IOException io && (io.HResult is 28 or unchecked((int)0x80070070) or unchecked((int)0x80070027)
                                        || io.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)))
            {
                return io;
            }
        }

        return null;
    }

    private async Task<bool> NodeExistsAsync(string node)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await Client.CoreV1.ReadNodeAsync(node, cancellationToken: cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (KubeOperationException.From(e, "read node") is { Kind: KubeFailureKind.NotFound })
        {
            return false;
        }
        catch (Exception)
        {
            // Unknown: do not claim the node is gone.
            return true;
        }
    }

    private CustodyManifest BuildManifest(PodTarget target, TargetContainer container, string nodePath, string helper, string fileName, long bytes, string hash,
        DateTime checkpointedUtc, DateTime acquiredUtc, bool removed)
    {
        Dictionary<string, object?> source = _connection.ProvenanceOf(target);
        source["container"] = container.Name;
        source["containerId"] = container.Id;
        source["runtime"] = container.Runtime.ToString();
        source["image"] = container.Image;
        source["imageId"] = container.ImageId;
        source["nodePath"] = nodePath;
        source["helperPod"] = helper;
        source["helperImage"] = _options.HelperImage;
        source["timeoutSeconds"] = _options.TimeoutSeconds;
        source["removedFromNode"] = removed;
        return CustodyManifest.Acquired("PodCheckpoint", _toolVersion, checkpointedUtc, acquiredUtc, acquiredUtc,
            new ManifestFile { Name = fileName, Bytes = bytes, Sha256AtSource = hash, Sha256 = hash }, source);
    }
}
