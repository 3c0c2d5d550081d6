using System.Globalization;
using k8s;
using k8s.Models;

namespace KForensics.Core.Kubernetes;

/// <summary>Lists and removes the archives in a node's kubelet checkpoints directory, through a helper pod on that node.</summary>
public static class NodeCheckpointInventory
{
    internal static async Task<long> SizeAsync(IKubernetes client, string pod, string @namespace, string path, CancellationToken cancellationToken)
    {
        PodExec.Result stat = await PodExec.RunAsync(client, pod, @namespace, CheckpointHelperPod.Container, ["stat", "-c", "%s %Y %n", path], cancellationToken).ConfigureAwait(false);
        string[] parts = stat.StandardOutput.Trim().Split(' ', 3);
        if (stat.ExitCode != 0 || parts.Length < 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long size))
        {
            throw new KubeOperationException(KubeFailureKind.CopyFailed, $"Cannot read {path} in helper pod '{pod}': {stat.StandardError.Trim()}");
        }

        return size;
    }

    /// <summary>The archives in <paramref name="directory"/> on <paramref name="node"/>, read by a helper pod in <paramref name="helperNamespace"/>.</summary>
    public static async Task<IReadOnlyList<NodeCheckpointFile>> ListAsync(KubeConnection connection, string node, string directory, string helperNamespace, string image,
        CancellationToken cancellationToken)
    {
        IKubernetes client = connection.Client;
        IReadOnlyCollection<string>? namespaces = await NamespacesAsync(client, cancellationToken).ConfigureAwait(false);
        return await WithHelperAsync(client, node, directory, helperNamespace, image, writable: false, async helper =>
        {
            PodExec.Result ls = await PodExec.RunAsync(client, helper, helperNamespace, CheckpointHelperPod.Container, ["ls", "-1", CheckpointHelperPod.MountPath], cancellationToken).ConfigureAwait(false);
            if (ls.ExitCode != 0)
            {
                throw new KubeOperationException(KubeFailureKind.CopyFailed, $"Cannot list {directory} on node {node}: {ls.StandardError.Trim()}");
            }

            string[] names = ls.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(n => n.StartsWith("checkpoint-", StringComparison.Ordinal)).ToArray();
            var files = new List<NodeCheckpointFile>();
            if (names.Length == 0)
            {
                return files;
            }

            string[] command = ["stat", "-c", "%s %Y %n", .. names.Select(n => CheckpointHelperPod.MountPath + "/" + n)];
            PodExec.Result stat = await PodExec.RunAsync(client, helper, helperNamespace, CheckpointHelperPod.Container, command, cancellationToken).ConfigureAwait(false);
            foreach (string line in stat.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] parts = line.Split(' ', 3);
                if (parts.Length < 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long size)
                    || !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long mtime))
                {
                    continue;
                }

                string name = parts[2][(parts[2].LastIndexOf('/') + 1)..];
                var parsed = NodeCheckpointName.Parse(name, namespaces);
                files.Add(new NodeCheckpointFile(node, directory, name, size, DateTimeOffset.FromUnixTimeSeconds(mtime).UtcDateTime,
                    parsed?.Pod, parsed?.Namespace, parsed?.Container, parsed?.TimeUtc));
            }

            return files.OrderBy(f => f.CheckpointedUtc ?? f.ModifiedUtc).ToList();
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes archives (by file name) from <paramref name="directory"/> on <paramref name="node"/>.</summary>
    public static async Task RemoveAsync(KubeConnection connection, string node, string directory, IReadOnlyList<string> names, string helperNamespace, string image,
        CancellationToken cancellationToken)
    {
        IKubernetes client = connection.Client;
        foreach (string name in names)
        {
            if (!IsFileName(name))
            {
                throw new ArgumentException($"'{name}' is not a file name in {directory}.", nameof(names));
            }
        }

        await WithHelperAsync(client, node, directory, helperNamespace, image, writable: true, async helper =>
        {
            PodExec.Result rm = await PodExec.RunAsync(client, helper, helperNamespace, CheckpointHelperPod.Container,
                ["rm", "-f", .. names.Select(n => CheckpointHelperPod.MountPath + "/" + n)], cancellationToken).ConfigureAwait(false);
            if (rm.ExitCode != 0)
            {
                throw new KubeOperationException(KubeFailureKind.CopyFailed, $"Cannot remove {string.Join(", ", names)} from {directory} on node {node}: {rm.StandardError.Trim()}");
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A name that stays inside the checkpoints directory: no separator, not . or ..</summary>
    public static bool IsFileName(string name) => name.Length > 0 && name is not ("." or "..") && name.IndexOfAny(['/', '\\', '\0']) < 0;

    /// <summary>Reads the node, so that a node that is not there is found before a helper pod is planned for it.</summary>
    public static async Task VerifyNodeAsync(KubeConnection connection, string node, CancellationToken cancellationToken)
    {
        try
        {
            await connection.Client.CoreV1.ReadNodeAsync(node, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw KubeOperationException.From(e, $"read node '{node}'");
        }
    }

    private static async Task<T> WithHelperAsync<T>(IKubernetes client, string node, string directory, string helperNamespace, string image, bool writable,
        Func<string, Task<T>> action, CancellationToken cancellationToken)
    {
        V1Node nodeObject;
        try
        {
            nodeObject = await client.CoreV1.ReadNodeAsync(node, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw KubeOperationException.From(e, $"read node '{node}'");
        }

        var taints = (nodeObject.Spec?.Taints ?? new List<V1Taint>()).Select(t => new NodeTaint(t.Key, t.Value, t.Effect));
        string helper = CheckpointHelperPod.NewName(node);
        V1Pod pod = CheckpointHelperPod.Build(helper, helperNamespace, node, taints, directory, image, writable, 600, null);
        T result;
        try
        {
            await CheckpointHelperPod.CreateAndWaitAsync(client, pod, TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
            result = await action(helper).ConfigureAwait(false);
        }
        catch
        {
            // The helper pod goes whatever happened; a failure to delete it must not hide the failure that came first.
            await CheckpointHelperPod.DeleteAsync(client, helper, helperNamespace).ConfigureAwait(false);
            throw;
        }

        if (await CheckpointHelperPod.DeleteAsync(client, helper, helperNamespace).ConfigureAwait(false) is KubeOperationException failure)
        {
            throw new KubeOperationException(failure.Kind, $"Helper pod '{helper}' in namespace '{helperNamespace}' could not be deleted: {failure.Message}", failure);
        }

        return result;
    }

    private static async Task<IReadOnlyCollection<string>?> NamespacesAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        try
        {
            V1NamespaceList list = await client.CoreV1.ListNamespaceAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return list.Items.Select(n => n.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Without the right to list namespaces the file names still give the pod; namespace and container stay unknown.
            return null;
        }
    }
}
