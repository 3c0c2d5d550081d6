using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using k8s;
using KForensics.Core.Evidence;

namespace KForensics.Core.Kubernetes;

/// <summary>Commands run in a container over the exec WebSocket, as kubectl exec and kubectl cp do.</summary>
public static class PodExec
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public sealed record CopyResult(long Bytes, string Sha256);

    public static async Task<Result> RunAsync(IKubernetes client, string pod, string @namespace, string container, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        string stdoutText = string.Empty;
        string stderrText = string.Empty;
        int exitCode = await ExecAsync(client, pod, @namespace, container, command, async (stdin, stdout, stderr) =>
        {
            Task<string> err = ReadAllTextAsync(stderr, cancellationToken);
            stdoutText = await ReadAllTextAsync(stdout, cancellationToken).ConfigureAwait(false);
            stderrText = await err.ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return new Result(exitCode, stdoutText, stderrText);
    }

    /// <summary>
    /// Streams one file out of the container as a tar archive (what kubectl cp does) into
    /// <paramref name="destination"/>, hashing it on the way; nothing is held in memory.
    /// </summary>
    /// <param name="wrap">
    /// Optional: what the file's bytes are written through on their way to <paramref name="destination"/> (an
    /// encryption), and how to finish it before the file is closed; the hash is still of the bytes received.
    /// </param>
    public static async Task<CopyResult> CopyFileOutAsync(IKubernetes client, string pod, string @namespace, string container,
        string directory, string fileName, string destination, IProgress<long>? progress, CancellationToken cancellationToken,
        Func<Stream, (Stream Output, Action Complete)>? wrap = null)
    {
        long bytes = 0;
        string? hash = null;
        string stderrText = string.Empty;
        string[] command = { "tar", "-cf", "-", "-C", directory, fileName };
        int exitCode = await ExecAsync(client, pod, @namespace, container, command, async (stdin, stdout, stderr) =>
        {
            Task<string> err = ReadAllTextAsync(stderr, cancellationToken);
            using var reader = new TarReader(stdout, leaveOpen: true);
            TarEntry? entry;
            while ((entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false)) is not null)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                    || !string.Equals(entry.Name.TrimStart('.', '/'), fileName, StringComparison.Ordinal))
                {
                    continue;
                }

                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                await using var file = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                (Stream output, Action complete) = wrap is null ? (file, () => { }) : wrap(file);
                byte[] buffer = new byte[1 << 16];
                int n;
                Stream data = entry.DataStream ?? Stream.Null; // an empty file has no data stream
                while ((n = await data.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    sha.AppendData(buffer, 0, n);
                    await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    bytes += n;
                    progress?.Report(bytes);
                }

                complete();

                hash = EvidenceHash.ToHex(sha.GetHashAndReset());
            }

            // Drain what follows the archive so the exec ends cleanly.
            await stdout.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            stderrText = await err.ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        if (exitCode != 0 || hash is null)
        {
            throw new KubeOperationException(KubeFailureKind.CopyFailed,
                $"Copying {directory}/{fileName} out of pod '{pod}' failed (tar exit code {exitCode}{(hash is null ? ", no file in the archive" : string.Empty)}): {stderrText.Trim()}");
        }

        return new CopyResult(bytes, hash);
    }

    private static async Task<int> ExecAsync(IKubernetes client, string pod, string @namespace, string container, IReadOnlyList<string> command,
        ExecAsyncCallback action, CancellationToken cancellationToken)
    {
        try
        {
            return await client.NamespacedPodExecAsync(pod, @namespace, container, command, false, action, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
        {
            // A cancelled WebSocket read may surface as an I/O error; it is still a cancellation.
            throw new OperationCanceledException("The exec was cancelled.", e, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not KubeOperationException)
        {
            throw KubeOperationException.From(e, $"run '{string.Join(' ', command)}' in pod '{pod}' (container {container})");
        }
    }

    private static async Task<string> ReadAllTextAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }
}
