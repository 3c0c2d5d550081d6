using k8s;
using KForensics.Core.Diagnostics;
using k8s.Exceptions;

namespace KForensics.Core.Kubernetes;

/// <summary>A client for one kubeconfig context, with what the custody manifest records about it.</summary>
public sealed class KubeConnection : IDisposable
{
    private KubeConnection(IKubernetes client, string context, string server, string defaultNamespace)
    {
        Client = client;
        Context = context;
        Server = server;
        DefaultNamespace = defaultNamespace;
    }

    // Internal: the cmdlet assembly lives in the default load context and must never see a
    // KubernetesClient type, or the runtime would look for KubernetesClient there.
    internal IKubernetes Client { get; }

    public string Context { get; }

    public string Server { get; }

    /// <summary>The context's namespace, or <c>default</c> when the context names none.</summary>
    public string DefaultNamespace { get; }

    /// <summary>
    /// Opens a kubeconfig (the given file, else $KUBECONFIG's first entry, else ~/.kube/config), or the
    /// in-cluster service account when there is no kubeconfig and the process runs in a pod.
    /// </summary>
    /// <param name="log">Receives a line per API request KubernetesClient makes (REST and watch; exec streams are not HTTP requests).</param>
    public static KubeConnection Open(string? kubeconfigPath, string? context, LibraryLog? log = null)
    {
        string? path = kubeconfigPath;
        if (string.IsNullOrEmpty(path))
        {
            string? env = Environment.GetEnvironmentVariable("KUBECONFIG");
            path = string.IsNullOrEmpty(env)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config")
                : env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        }

        KubernetesClientConfiguration config;
        string contextName;
        try
        {
            if ((path is null || !File.Exists(path)) && string.IsNullOrEmpty(kubeconfigPath) && KubernetesClientConfiguration.IsInCluster())
            {
                config = KubernetesClientConfiguration.InClusterConfig();
                contextName = "in-cluster";
            }
            else
            {
                if (path is null || !File.Exists(path))
                {
                    throw new KubeOperationException(KubeFailureKind.ConfigurationInvalid,
                        $"No kubeconfig at '{path}'.")
                    {
                        Remedy = KubeRemedy.NameKubeconfig,
                    };
                }

                config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path, context);
                contextName = config.CurrentContext ?? context ?? string.Empty;
            }
        }
        catch (KubeConfigException e)
        {
            throw new KubeOperationException(KubeFailureKind.ConfigurationInvalid, $"Cannot use kubeconfig '{path}': {e.Message}", e);
        }
        catch (KubernetesClientException e)
        {
            throw new KubeOperationException(KubeFailureKind.ConfigurationInvalid, $"Cannot use kubeconfig '{path}': {e.Message}", e);
        }

        var client = log is null ? new k8s.Kubernetes(config) : new k8s.Kubernetes(config, log.RequestHandler("KubernetesClient"));
        return new KubeConnection(client, contextName, config.Host ?? string.Empty,
            string.IsNullOrEmpty(config.Namespace) ? "default" : config.Namespace);
    }

    /// <summary>
    /// Asks the API server for its core resources (what every authenticated user may read), so that a cluster that
    /// cannot be reached, or that refuses these credentials, is found before anything is planned or started there.
    /// </summary>
    public async Task VerifyReachableAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await Client.CoreV1.GetAPIResourcesAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KubeOperationException(KubeFailureKind.ConnectionFailed,
                $"The API server {Server} ({Context}) did not answer within {timeout.TotalSeconds:0} s.", e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw KubeOperationException.From(e, $"reach the API server {Server} ({Context})");
        }
    }

    public Task<PodTarget> ResolvePodAsync(string name, string @namespace, CancellationToken cancellationToken)
        => PodResolver.ResolveAsync(Client, name, @namespace, cancellationToken);

    public Task<IReadOnlyList<PodTarget>> ResolveSelectorAsync(string selector, string @namespace, CancellationToken cancellationToken)
        => PodResolver.ResolveSelectorAsync(Client, selector, @namespace, cancellationToken);

    /// <summary>The provenance a custody manifest records for evidence taken from a pod through this connection: cluster, pod, node.</summary>
    internal Dictionary<string, object?> ProvenanceOf(PodTarget target) => new()
    {
        ["context"] = Context,
        ["apiServer"] = Server,
        ["namespace"] = target.Namespace,
        ["pod"] = target.Name,
        ["podUid"] = target.Uid,
        ["node"] = target.NodeName,
    };

    /// <summary>Capture pods in one namespace, or in all when <paramref name="namespace"/> is null.</summary>
    public Task<IReadOnlyList<CapturePodInfo>> ListCapturePodsAsync(string? @namespace, CancellationToken cancellationToken)
        => CapturePodInventory.ListAsync(Client, @namespace, cancellationToken);

    public Task<CapturePodInfo> GetCapturePodAsync(string name, string @namespace, CancellationToken cancellationToken)
        => CapturePodInventory.GetAsync(Client, name, @namespace, cancellationToken);

    public Task DeleteCapturePodAsync(string name, string @namespace, CancellationToken cancellationToken)
        => CapturePodInventory.DeleteAsync(Client, name, @namespace, cancellationToken);

    public void Dispose() => Client.Dispose();
}
