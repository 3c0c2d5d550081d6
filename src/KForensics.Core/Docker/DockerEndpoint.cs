using System.Globalization;

namespace KForensics.Core.Docker;

/// <summary>
/// Which engine to talk to and how: an explicit host, else DOCKER_HOST / DOCKER_CERT_PATH /
/// DOCKER_TLS_VERIFY as the docker CLI reads them, else the platform's default local endpoint.
/// </summary>
public sealed class DockerEndpoint
{
    private DockerEndpoint(Uri uri, string? certificatePath, bool verifyServer)
    {
        Uri = uri;
        CertificatePath = certificatePath;
        VerifyServer = verifyServer;
    }

    public Uri Uri { get; }

    /// <summary>Directory with ca.pem, cert.pem and key.pem for TLS; null for plain connections.</summary>
    public string? CertificatePath { get; }

    public bool VerifyServer { get; }

    /// <summary>Unix sockets and named pipes are on this machine, so the engine's root directory is ours to read.</summary>
    public bool IsLocal => Uri.Scheme is "unix" or "npipe";

    public override string ToString() => Uri.Scheme == "unix" ? "unix://" + Uri.LocalPath : Uri.ToString().TrimEnd('/');

    public static DockerEndpoint Resolve(string? host, string? certificatePath)
    {
        string? raw = string.IsNullOrWhiteSpace(host) ? Environment.GetEnvironmentVariable("DOCKER_HOST") : host;
        if (string.IsNullOrWhiteSpace(raw))
        {
            raw = OperatingSystem.IsWindows() ? "npipe://./pipe/docker_engine" : "unix:///var/run/docker.sock";
        }

        raw = raw.Trim();
        if (raw.StartsWith('/'))
        {
            raw = "unix://" + raw;
        }

        if (!Uri.TryCreate(raw, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("unix" or "npipe" or "tcp" or "http" or "https"))
        {
            throw new DockerEngineException(DockerErrorKind.InvalidHost,
                string.Format(CultureInfo.InvariantCulture,
                    "'{0}' is not a Docker host this module can reach. Use unix:///path/to/docker.sock, npipe://./pipe/docker_engine or tcp://host:2376.", raw),
                raw);
        }

        string? certs = string.IsNullOrWhiteSpace(certificatePath) ? Environment.GetEnvironmentVariable("DOCKER_CERT_PATH") : certificatePath;
        if (uri.Scheme is "unix" or "npipe" or "http")
        {
            certs = null;
        }

        if (certs is not null && !Directory.Exists(certs))
        {
            throw new DockerEngineException(DockerErrorKind.InvalidHost,
                string.Format(CultureInfo.InvariantCulture, "The TLS certificate directory '{0}' does not exist.", certs), certs);
        }

        // DOCKER_TLS_VERIFY empty means "do not verify" for the docker CLI; anything else verifies.
        string? verify = Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY");
        bool verifyServer = certs is not null && (verify is null || verify.Length > 0);
        return new DockerEndpoint(uri, certs, verifyServer);
    }
}
