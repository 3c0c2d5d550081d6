using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>The docker command line, for the real containers that stand in for seeded pod containers.</summary>
public static class Docker
{
    public sealed class DockerException(string message) : Exception(message);

    public sealed record Result(int ExitCode, byte[] Stdout, string Stderr)
    {
        public string Text => Encoding.UTF8.GetString(Stdout);
    }

    /// <summary>Runs docker with the arguments; stdout as bytes, stderr as text.</summary>
    public static async Task<Result> RunAsync(IEnumerable<string> args, CancellationToken cancel = default)
    {
        using Process process = Start(args);
        var stdout = new MemoryStream();
        Task copy = process.StandardOutput.BaseStream.CopyToAsync(stdout, cancel);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancel);
        await Task.WhenAll(copy, stderr);
        await process.WaitForExitAsync(cancel);
        return new Result(process.ExitCode, stdout.ToArray(), await stderr);
    }

    /// <summary>Runs docker and hands its stdout to <paramref name="read"/> as a stream (for docker export).</summary>
    public static async Task StreamAsync(IEnumerable<string> args, Func<Stream, Task> read, CancellationToken cancel = default)
    {
        using Process process = Start(args);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancel);
        await read(process.StandardOutput.BaseStream);
        await process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, cancel);
        await process.WaitForExitAsync(cancel);
        if (process.ExitCode != 0)
        {
            throw new DockerException($"docker {string.Join(' ', args)} failed: {(await stderr).Trim()}");
        }
    }

    /// <summary>docker inspect of one container, as JSON.</summary>
    public static async Task<JsonObject> InspectAsync(string container, CancellationToken cancel = default)
    {
        Result r = await RunAsync(["inspect", "--type", "container", container], cancel);
        if (r.ExitCode != 0)
        {
            throw new DockerException($"docker inspect {container} failed: {r.Stderr.Trim()}");
        }

        return JsonNode.Parse(r.Stdout)!.AsArray()[0]!.AsObject();
    }

    /// <summary>The full id of a Docker container (for seeding; synchronous on purpose).</summary>
    public static string ContainerId(string container)
    {
        JsonObject inspect = InspectAsync(container).GetAwaiter().GetResult();
        return inspect["Id"]!.GetValue<string>();
    }

    private static Process Start(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("docker")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi) ?? throw new DockerException("docker could not be started");
    }
}
