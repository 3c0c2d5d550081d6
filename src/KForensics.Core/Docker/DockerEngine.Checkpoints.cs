using System.Text.Json;
using Docker.DotNet.Models;

namespace KForensics.Core.Docker;

/// <summary>The engine's checkpoint endpoints (experimental), and the container calls the workflows need.</summary>
public sealed partial class DockerEngine
{
    public async Task CreateCheckpointAsync(string containerId, string name, bool exit, string? directory, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, object> { ["CheckpointID"] = name, ["Exit"] = exit };
        if (!string.IsNullOrEmpty(directory))
        {
            body["CheckpointDir"] = directory;
        }

        using HttpResponseMessage response = await SendAsync(HttpMethod.Post, "/containers/" + Uri.EscapeDataString(containerId) + "/checkpoints", body, containerId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListCheckpointsAsync(string containerId, string? directory, CancellationToken cancellationToken)
    {
        string path = "/containers/" + Uri.EscapeDataString(containerId) + "/checkpoints" + DirQuery(directory, '?');
        using HttpResponseMessage response = await SendAsync(HttpMethod.Get, path, null, containerId, cancellationToken).ConfigureAwait(false);
        await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using JsonDocument doc = await JsonDocument.ParseAsync(body, default, cancellationToken).ConfigureAwait(false);
        var names = new List<string>();
        if (doc.RootElement.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in doc.RootElement.EnumerateArray())
            {
                names.Add(Str(item, "Name"));
            }
        }

        return names;
    }

    public async Task DeleteCheckpointAsync(string containerId, string name, string? directory, CancellationToken cancellationToken)
    {
        string path = "/containers/" + Uri.EscapeDataString(containerId) + "/checkpoints/" + Uri.EscapeDataString(name) + DirQuery(directory, '?');
        using HttpResponseMessage response = await SendAsync(HttpMethod.Delete, path, null, containerId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a container, from a checkpoint in its own checkpoint directory when one is named.</summary>
    public async Task StartAsync(string containerId, string? checkpoint, CancellationToken cancellationToken)
    {
        string path = "/containers/" + Uri.EscapeDataString(containerId) + "/start";
        if (!string.IsNullOrEmpty(checkpoint))
        {
            path += "?checkpoint=" + Uri.EscapeDataString(checkpoint);
        }

        using HttpResponseMessage response = await StartWithRetryAsync(path, containerId, checkpoint, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == System.Net.HttpStatusCode.NotModified)
        {
            throw new DockerEngineException(DockerErrorKind.ContainerRunning, "Container " + containerId + " is already running; a checkpoint is restored only into a stopped container.", containerId);
        }
    }

    // Right after a checkpoint, containerd still holds the checkpoint's blobs from the dump, and the
    // engine's upload of the same content for the restore fails with "content sha256:... already
    // exists" until containerd's garbage collector has run; that clears within about a second.
    private async Task<HttpResponseMessage> StartWithRetryAsync(string path, string containerId, string? checkpoint, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await SendAsync(HttpMethod.Post, path, null, containerId, cancellationToken).ConfigureAwait(false);
            }
            catch (DockerEngineException ex) when (checkpoint is not null && attempt < 50 && ex.Message.Contains("already exists", StringComparison.OrdinalIgnoreCase)
                && ex.Message.Contains("content", StringComparison.OrdinalIgnoreCase))
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task<CreateContainerResponse> CreateContainerAsync(CreateContainerParameters parameters, CancellationToken cancellationToken)
        => CallAsync(() => Client.Containers.CreateContainerAsync(parameters, cancellationToken), parameters.Name);

    public async Task RemoveContainerAsync(string containerId, CancellationToken cancellationToken)
        => await CallAsync(async () =>
        {
            await Client.Containers.RemoveContainerAsync(containerId, new ContainerRemoveParameters { Force = true }, cancellationToken).ConfigureAwait(false);
            return true;
        }, containerId).ConfigureAwait(false);

    public Task<IList<ContainerFileSystemChangeResponse>> GetChangesAsync(string containerId, CancellationToken cancellationToken)
        => CallAsync(() => Client.Containers.InspectChangesAsync(containerId, cancellationToken), containerId);

    /// <summary>A tar stream of one path in the container's filesystem (the engine's archive endpoint).</summary>
    public async Task<Stream> GetArchiveAsync(string containerId, string path, CancellationToken cancellationToken)
    {
        ContainerArchiveResponse response = await CallAsync(
            () => Client.Containers.GetArchiveFromContainerAsync(containerId, new ContainerPathStatParameters { Path = path }, false, cancellationToken), containerId).ConfigureAwait(false);
        return response.Stream ?? Stream.Null;
    }

    /// <summary>Unpacks a tar stream at the container's root (works on a created, not yet started container).</summary>
    public async Task PutArchiveAsync(string containerId, Stream tar, CancellationToken cancellationToken)
        => await CallAsync(async () =>
        {
            await Client.Containers.ExtractArchiveToContainerAsync(containerId, new CopyToContainerParameters { Path = "/" }, tar, cancellationToken).ConfigureAwait(false);
            return true;
        }, containerId).ConfigureAwait(false);

    /// <summary>True when the engine has the image (by name, tag or id).</summary>
    public async Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync(() => Client.Images.InspectImageAsync(image, cancellationToken), image).ConfigureAwait(false);
            return true;
        }
        catch (DockerEngineException ex) when (ex.Kind is DockerErrorKind.ContainerNotFound or DockerErrorKind.ApiError && ex.Message.Contains("No such image", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
    }

    private static string DirQuery(string? directory, char separator)
        => string.IsNullOrEmpty(directory) ? string.Empty : separator + "dir=" + Uri.EscapeDataString(directory);
}
