using System.Net.Sockets;
using System.Text;
using KForensics.Core.Checkpoints;
using KForensics.Core.Docker;
using Xunit;

namespace KForensics.Tests.Checkpoints;

/// <summary>
/// An engine without experimental mode, played by a minimal HTTP server on a unix socket that answers
/// /version and /info as Docker 20.10 does; the connection goes through Docker.DotNet's own transport.
/// </summary>
public sealed class ExperimentalModeTests : IDisposable
{
    private readonly string _socket = Path.Combine(Path.GetTempPath(), "kf-fake-" + Guid.NewGuid().ToString("N")[..8] + ".sock");
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly List<string> _requests = new();

    public ExperimentalModeTests()
    {
        _listener.Bind(new UnixDomainSocketEndPoint(_socket));
        _listener.Listen();
        _ = Task.Run(ServeAsync);
    }

    public void Dispose()
    {
        _listener.Dispose();
        File.Delete(_socket);
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync();
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
            {
                return;
            }

            using (client)
            await using (var stream = new NetworkStream(client))
            {
                var head = new StringBuilder();
                byte[] buffer = new byte[1];
                while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(buffer) == 1)
                {
                    head.Append((char)buffer[0]);
                }

                string path = head.ToString().Split(' ')[1];
                lock (_requests)
                {
                    _requests.Add(path);
                }

                string body = path.StartsWith("/version", StringComparison.Ordinal)
                    ? "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"Os\":\"linux\",\"KernelVersion\":\"6.1.0\"}"
                    : "{\"DockerRootDir\":\"/var/lib/docker\",\"ExperimentalBuild\":false,\"Name\":\"fake\"}";
                byte[] bytes = Encoding.UTF8.GetBytes(body);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + bytes.Length + "\r\nConnection: close\r\n\r\n"));
                await stream.WriteAsync(bytes);
            }
        }
    }

    [Fact]
    public async Task Refuses_checkpoints_and_says_how_to_enable_experimental_mode()
    {
        using DockerEngine engine = await DockerEngine.ConnectAsync(DockerEndpoint.Resolve("unix://" + _socket, null), CancellationToken.None);
        Assert.Equal("20.10.24", engine.Info.Version);
        Assert.False(engine.Info.Experimental);
        var ex = await Assert.ThrowsAsync<DockerEngineException>(() => CheckpointService.CreateAsync(engine, "looper", "cp1", false, null, CancellationToken.None));
        Assert.Equal(DockerErrorKind.ExperimentalDisabled, ex.Kind);
        Assert.Contains("\"experimental\": true", ex.Message, StringComparison.Ordinal);
        lock (_requests)
        {
            // Nothing but the two questions about the engine itself was asked.
            Assert.Equal(["/version", "/info"], _requests);
        }
    }
}
