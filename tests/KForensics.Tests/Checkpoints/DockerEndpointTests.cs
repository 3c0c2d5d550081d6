using KForensics.Core.Docker;
using Xunit;

namespace KForensics.Tests.Checkpoints;

public sealed class DockerEndpointTests
{
    [Theory]
    [InlineData("unix:///var/run/docker.sock", "unix", true)]
    [InlineData("/run/user/1000/docker.sock", "unix", true)]
    [InlineData("npipe://./pipe/docker_engine", "npipe", true)]
    [InlineData("tcp://10.0.0.5:2376", "tcp", false)]
    public void Resolves_an_explicit_host(string host, string scheme, bool local)
    {
        DockerEndpoint endpoint = DockerEndpoint.Resolve(host, null);
        Assert.Equal(scheme, endpoint.Uri.Scheme);
        Assert.Equal(local, endpoint.IsLocal);
        Assert.Null(endpoint.CertificatePath);
    }

    [Theory]
    [InlineData("ssh://user@host")]
    [InlineData("not a uri")]
    [InlineData("ftp://host")]
    public void Refuses_a_host_it_cannot_reach(string host)
    {
        var ex = Assert.Throws<DockerEngineException>(() => DockerEndpoint.Resolve(host, null));
        Assert.Equal(DockerErrorKind.InvalidHost, ex.Kind);
    }

    [Fact]
    public void Uses_tls_certificates_only_for_tcp()
    {
        string certs = Directory.CreateTempSubdirectory("kf-certs-").FullName;
        try
        {
            DockerEndpoint tcp = DockerEndpoint.Resolve("tcp://10.0.0.5:2376", certs);
            Assert.Equal(certs, tcp.CertificatePath);
            Assert.Null(DockerEndpoint.Resolve("unix:///var/run/docker.sock", certs).CertificatePath);
        }
        finally
        {
            Directory.Delete(certs);
        }
    }

    [Fact]
    public void Refuses_a_missing_certificate_directory()
    {
        var ex = Assert.Throws<DockerEngineException>(() => DockerEndpoint.Resolve("tcp://10.0.0.5:2376", "/nonexistent/kf-certs"));
        Assert.Equal(DockerErrorKind.InvalidHost, ex.Kind);
    }
}
