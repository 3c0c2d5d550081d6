using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Handler.Abstractions;
using Docker.DotNet.Models;
using Docker.DotNet.X509;
using KForensics.Core.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KForensics.Core.Docker;

/// <summary>
/// One connection to a Docker engine. Modelled endpoints go through Docker.DotNet; the checkpoint
/// endpoints, which the library does not model, go through an HttpClient built on the library's own
/// transport (same unix socket, named pipe or TLS connection).
/// </summary>
public sealed partial class DockerEngine : IDisposable
{
    private static readonly ConcurrentDictionary<string, EngineInfo> InfoCache = new(StringComparer.Ordinal);
    private readonly HttpClient _raw;

    private DockerEngine(DockerEndpoint endpoint, DockerClient client, HttpClient raw)
    {
        Endpoint = endpoint;
        Client = client;
        _raw = raw;
    }

    public DockerEndpoint Endpoint { get; }

    public DockerClient Client { get; }

    public EngineInfo Info { get; private set; } = null!;

    /// <param name="log">Receives Docker.DotNet's own log and a line per request to the engine.</param>
    public static async Task<DockerEngine> ConnectAsync(DockerEndpoint endpoint, CancellationToken cancellationToken, LibraryLog? log = null)
    {
        ILogger logger = log is null ? NullLogger.Instance : log.AsLogger("Docker.DotNet");
        IAuthProvider auth = endpoint.CertificatePath is null
            ? NoopAuthProvider.Instance
            : DockerTlsCertificates.LoadFromDirectory(endpoint.CertificatePath, endpoint.VerifyServer, "ca.pem", "cert.pem", "key.pem").CreateCredentials();
        Uri uri = endpoint.Uri;
        if (uri.Scheme == "tcp" && endpoint.CertificatePath is not null)
        {
            uri = new UriBuilder(uri) { Scheme = "https" }.Uri;
        }

        // No API version: unversioned paths let the engine answer with its own current version,
        // which is what a Debian 12 engine (API 1.41) needs from a client built for newer engines.
        DockerClient client = new DockerClientBuilder().WithEndpoint(uri).WithAuthProvider(auth).WithApiVersion(null).WithLogger(logger).Build();
        IDockerHandlerFactory factory = uri.Scheme switch
        {
            "unix" => global::Docker.DotNet.Unix.DockerHandlerFactory.Instance,
            "npipe" => global::Docker.DotNet.NPipe.DockerHandlerFactory.Instance,
            _ => global::Docker.DotNet.LegacyHttp.DockerHandlerFactory.Instance,
        };
        var options = new ResolvedClientOptions
        {
            Endpoint = uri,
            AuthProvider = auth,
            Headers = new Dictionary<string, string>(),
            Timeout = TimeSpan.FromSeconds(100),
        };
        ResolvedTransport transport = factory.CreateHandler(options, logger);
        HttpMessageHandler handler = auth.ConfigureHandler(transport.Handler);
        if (log is not null)
        {
            DelegatingHandler logged = log.RequestHandler("Docker");
            logged.InnerHandler = handler;
            handler = logged;
        }

        var raw = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = transport.EffectiveEndpoint,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var engine = new DockerEngine(endpoint, client, raw);
        try
        {
            engine.Info = await engine.LoadInfoAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            engine.Dispose();
            throw;
        }

        return engine;
    }

    private async Task<EngineInfo> LoadInfoAsync(CancellationToken cancellationToken)
    {
        string key = Endpoint.ToString();
        if (InfoCache.TryGetValue(key, out EngineInfo? cached))
        {
            return cached;
        }

        using JsonDocument version = await GetJsonAsync("/version", null, cancellationToken).ConfigureAwait(false);
        using JsonDocument info = await GetJsonAsync("/info", null, cancellationToken).ConfigureAwait(false);
        JsonElement v = version.RootElement;
        JsonElement i = info.RootElement;
        var result = new EngineInfo(key, Str(v, "Version"), Str(v, "ApiVersion"), Str(v, "Os"), Str(v, "KernelVersion"),
            Str(i, "DockerRootDir"), i.TryGetProperty("ExperimentalBuild", out JsonElement e) && e.ValueKind == JsonValueKind.True, Str(i, "Name"));
        // Experimental mode can be switched on by a restart; only cache an engine that already has it.
        if (result.Experimental)
        {
            InfoCache[key] = result;
        }

        return result;
    }

    internal static string Str(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : string.Empty;

    /// <summary>Fails early, with the fix, when checkpoints cannot work on this engine.</summary>
    public void RequireExperimental()
    {
        if (!Info.Experimental)
        {
            throw new DockerEngineException(DockerErrorKind.ExperimentalDisabled, string.Format(CultureInfo.InvariantCulture,
                "The Docker engine at {0} is not in experimental mode, which checkpoints need. Add {{\"experimental\": true}} to /etc/docker/daemon.json (or start dockerd with --experimental) and restart the engine.",
                Info.Endpoint), Info.Endpoint);
        }
    }

    /// <summary>The raw inspect document: kept as evidence exactly as the engine sent it.</summary>
    public async Task<JsonDocument> InspectContainerAsync(string nameOrId, CancellationToken cancellationToken)
        => await GetJsonAsync("/containers/" + Uri.EscapeDataString(nameOrId) + "/json", nameOrId, cancellationToken).ConfigureAwait(false);

    public async Task<string> InspectContainerTextAsync(string nameOrId, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(HttpMethod.Get, "/containers/" + Uri.EscapeDataString(nameOrId) + "/json", null, nameOrId, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonDocument> GetJsonAsync(string path, string? target, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(HttpMethod.Get, path, null, target, cancellationToken).ConfigureAwait(false);
        await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await JsonDocument.ParseAsync(body, default, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, object? jsonBody, string? target, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_raw.BaseAddress!, pathAndQuery));
        if (jsonBody is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(jsonBody), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await _raw.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException or TimeoutException)
        {
            throw ConnectionFailed(ex);
        }

        if ((int)response.StatusCode < 400)
        {
            return response;
        }

        string text;
        using (response)
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }

        throw MapError(response.StatusCode, ReadMessage(text), target);
    }

    private DockerEngineException ConnectionFailed(Exception ex)
        => new(DockerErrorKind.ConnectionFailed, string.Format(CultureInfo.InvariantCulture,
            "Cannot reach the Docker engine at {0}: {1} Is dockerd running, and may this user open its socket?", Endpoint, ex.Message), Endpoint.ToString(), ex);

    private static string ReadMessage(string body)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            string m = Str(doc.RootElement, "message");
            return m.Length > 0 ? m : body.Trim();
        }
        catch (JsonException)
        {
            return body.Trim();
        }
    }

    /// <summary>Turns the engine's answer into the cause a user can act on.</summary>
    internal DockerEngineException MapError(HttpStatusCode status, string message, string? target, Exception? inner = null)
    {
        if (status == HttpStatusCode.NotFound && message.Contains("No such container", StringComparison.OrdinalIgnoreCase))
        {
            return new DockerEngineException(DockerErrorKind.ContainerNotFound, message, target, inner);
        }

        if (message.Contains("experimental", StringComparison.OrdinalIgnoreCase) || status == HttpStatusCode.NotImplemented)
        {
            InfoCache.Clear();
            return new DockerEngineException(DockerErrorKind.ExperimentalDisabled,
                message + " Add {\"experimental\": true} to /etc/docker/daemon.json (or start dockerd with --experimental) and restart the engine.", target, inner);
        }

        if (message.Contains("checkpoint", StringComparison.OrdinalIgnoreCase) && (message.Contains("does not exist", StringComparison.OrdinalIgnoreCase) || message.Contains("no such file", StringComparison.OrdinalIgnoreCase)))
        {
            return new DockerEngineException(DockerErrorKind.CheckpointNotFound, message, target, inner);
        }

        if (status == HttpStatusCode.Conflict && message.Contains("already in use", StringComparison.OrdinalIgnoreCase))
        {
            return new DockerEngineException(DockerErrorKind.NameInUse, message, target, inner);
        }

        if (message.Contains("is not running", StringComparison.OrdinalIgnoreCase) || message.Contains(" not running", StringComparison.OrdinalIgnoreCase))
        {
            return new DockerEngineException(DockerErrorKind.ContainerNotRunning, message, target, inner);
        }

        if (message.Contains("criu", StringComparison.OrdinalIgnoreCase) || message.Contains("runc", StringComparison.OrdinalIgnoreCase))
        {
            return new DockerEngineException(DockerErrorKind.CriuFailed, CriuLog.Describe(message, Endpoint.IsLocal,
                () => CriuVersion.OfLocalEngineAsync(CancellationToken.None).GetAwaiter().GetResult()), target, inner);
        }

        return new DockerEngineException(DockerErrorKind.ApiError, string.Format(CultureInfo.InvariantCulture, "The Docker engine answered {0} ({1}): {2}", (int)status, status, message), target, inner);
    }

    /// <summary>Runs a Docker.DotNet call and maps its failures like the raw calls.</summary>
    internal async Task<T> CallAsync<T>(Func<Task<T>> call, string? target)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw MapError(ex.StatusCode, ReadMessage(ex.ResponseBody ?? string.Empty), target, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or TimeoutException)
        {
            throw ConnectionFailed(ex);
        }
    }

    public void Dispose()
    {
        _raw.Dispose();
        Client.Dispose();
    }
}
