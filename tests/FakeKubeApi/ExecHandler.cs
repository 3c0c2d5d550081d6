using System.Formats.Tar;
using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// pods/exec over WebSocket with the channel protocols (v5/v4.channel.k8s.io and channel.k8s.io): each binary
/// message starts with the channel byte (0 stdin, 1 stdout, 2 stderr, 3 error, 255 close in v5); the
/// result is a v1 Status on channel 3. Commands run against the pod's volumes as the fake keeps them (an emptyDir
/// in the pod's directory, a hostPath of /var/lib/kubelet/checkpoints in its node's directory, see
/// <see cref="Kubelet.MapPath"/>): sha256sum FILE; tar -cf - -C DIR FILE; rm -f PATH...; ls -1 DIR;
/// stat -c FORMAT PATH... (%s %Y %n %%), with busybox's messages and exit codes.
/// </summary>
public static class ExecHandler
{
    // RunAsync's answer when it has cut the connection: no Status follows.
    private const int Aborted = int.MinValue;

    private static readonly string[] Protocols = { "v5.channel.k8s.io", "v4.channel.k8s.io", "channel.k8s.io" };

    public static async Task HandleAsync(HttpContext context, ClusterState state, Kubelet kubelet, string ns, string name)
    {
        JsonObject? pod = state.GetPod(ns, name);
        if (pod is null)
        {
            await Api.WriteStatusAsync(context, 404, "NotFound", $"pods \"{name}\" not found", name);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Api.WriteStatusAsync(context, 400, "BadRequest", "Upgrade request required", name);
            return;
        }

        string? protocol = Protocols.FirstOrDefault(p => context.WebSockets.WebSocketRequestedProtocols.Contains(p));
        if (protocol is null)
        {
            await Api.WriteStatusAsync(context, 400, "BadRequest", "no supported WebSocket subprotocol requested", name);
            return;
        }

        string container = context.Request.Query["container"].FirstOrDefault() ?? pod["spec"]!["containers"]![0]!["name"]!.GetValue<string>();
        bool running = pod["status"]?["containerStatuses"]?.AsArray().Any(s => s!["name"]!.GetValue<string>() == container && s["state"]?["running"] is not null) ?? false;
        if (!running)
        {
            await Api.WriteStatusAsync(context, 400, "BadRequest", $"container {container} is not running in pod {name}", name);
            return;
        }

        string[] command = context.Request.Query["command"].Where(c => c is not null).Select(c => c!).ToArray();
        state.Record("exec", ns, name, container + ": " + string.Join(' ', command));
        using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
        state.Record("websocket", ns, name, protocol);
        Task drain = DrainAsync(socket);
        var stderr = new StringBuilder();
        int exitCode = await RunAsync(command, pod, container, kubelet, state, ns, name, socket, stderr);
        if (exitCode == Aborted)
        {
            socket.Abort();
            context.Abort();
            return;
        }

        if (stderr.Length > 0)
        {
            await SendAsync(socket, 2, Encoding.UTF8.GetBytes(stderr.ToString()));
        }

        JsonObject status = exitCode == 0
            ? new JsonObject { ["metadata"] = new JsonObject(), ["status"] = "Success" }
            : new JsonObject
            {
                ["metadata"] = new JsonObject(),
                ["status"] = "Failure",
                ["message"] = $"command terminated with non-zero exit code: error executing command [{string.Join(' ', command)}], exit code {exitCode}",
                ["reason"] = "NonZeroExitCode",
                ["details"] = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = exitCode.ToString() }) },
            };
        await SendAsync(socket, 3, Encoding.UTF8.GetBytes(status.ToJsonString()));
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, CancellationToken.None);
            await Task.WhenAny(drain, Task.Delay(5000));
        }
        catch (WebSocketException)
        {
            // The client went away first; the exec is over either way.
        }
    }

    private static async Task<int> RunAsync(string[] command, JsonObject pod, string container, Kubelet kubelet, ClusterState state, string ns, string name, WebSocket socket, StringBuilder stderr)
    {
        Kubelet.MappedPath? Map(string path) => kubelet.MapPath(pod, path, ns, name, container);
        var stdout = new StringBuilder();
        int code;
        switch (command.FirstOrDefault())
        {
            case "sha256sum" when command.Length == 2:
            {
                string? file = Map(command[1])?.File;
                if (file is null || !File.Exists(file))
                {
                    stderr.Append($"sha256sum: {command[1]}: No such file or directory\n");
                    return 1;
                }

                await using var stream = File.OpenRead(file);
                string hash = Convert.ToHexString(await SHA256.HashDataAsync(stream)).ToLowerInvariant();
                await SendAsync(socket, 1, Encoding.UTF8.GetBytes($"{hash}  {command[1]}\n"));
                return 0;
            }

            case "tar" when command.Length == 6 && command[1] == "-cf" && command[2] == "-" && command[3] == "-C":
                return await TarAsync(command, Map(command[4].TrimEnd('/') + "/" + command[5]), state, ns, name, socket, stderr);

            case "rm" when command.Length >= 3 && command[1] == "-f":
                code = 0;
                foreach (string path in command.Skip(2))
                {
                    Kubelet.MappedPath? mapped = Map(path);
                    if (mapped is null || !(File.Exists(mapped.File) || Directory.Exists(mapped.File)))
                    {
                        continue;
                    }

                    if (mapped.ReadOnly)
                    {
                        stderr.Append($"rm: can't remove '{path}': Read-only file system\n");
                        code = 1;
                    }
                    else if (Directory.Exists(mapped.File))
                    {
                        stderr.Append($"rm: can't remove '{path}': Is a directory\n");
                        code = 1;
                    }
                    else
                    {
                        File.Delete(mapped.File);
                    }
                }

                return code;

            case "ls" when command.Length == 3 && command[1] == "-1":
            {
                string? dir = Map(command[2])?.File;
                if (dir is not null && File.Exists(dir))
                {
                    stdout.Append(command[2]).Append('\n');
                }
                else if (dir is null || !Directory.Exists(dir))
                {
                    stderr.Append($"ls: {command[2]}: No such file or directory\n");
                    return 1;
                }
                else
                {
                    foreach (string entry in Directory.EnumerateFileSystemEntries(dir).Select(e => Path.GetFileName(e)).Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal))
                    {
                        stdout.Append(entry).Append('\n');
                    }
                }

                await SendTextAsync(socket, stdout);
                return 0;
            }

            case "stat" when command.Length >= 4 && command[1] == "-c":
                code = 0;
                foreach (string path in command.Skip(3))
                {
                    string? file = Map(path)?.File;
                    FileSystemInfo? info = file is null ? null : File.Exists(file) ? new FileInfo(file) : Directory.Exists(file) ? new DirectoryInfo(file) : null;
                    if (info is null)
                    {
                        stderr.Append($"stat: can't stat '{path}': No such file or directory\n");
                        code = 1;
                        continue;
                    }

                    stdout.Append(StatFormat(command[2], info, path)).Append('\n');
                }

                await SendTextAsync(socket, stdout);
                return code;

            default:
                stderr.Append($"sh: {command.FirstOrDefault()}: not found\n");
                return 127;
        }
    }

    // tar of one file, as the client reads it; the scenario may damage it, slow it down, or lose the node midway.
    private static async Task<int> TarAsync(string[] command, Kubelet.MappedPath? mapped, ClusterState state, string ns, string name, WebSocket socket, StringBuilder stderr)
    {
        string? file = mapped?.File;
        if (file is null || !File.Exists(file))
        {
            stderr.Append($"tar: {command[5]}: Cannot stat: No such file or directory\ntar: Exiting with failure status due to previous errors\n");
            return 2;
        }

        string archive = Path.GetTempFileName();
        try
        {
            await using (var output = File.Create(archive))
            await using (var writer = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: false))
            {
                await writer.WriteEntryAsync(file, command[5]);
            }

            byte[] bytes = await File.ReadAllBytesAsync(archive);
            if (state.Scenario.Mode == "hash-mismatch" && bytes.Length > 512 + 16)
            {
                // One bit flipped in the file's data: what a broken transport would do.
                bytes[512 + 16] ^= 0x01;
            }

            // read-error: the node's disk fails halfway through the file. GNU tar then pads the member with zeros to
            // the size it announced (the archive stays well formed), says so, and exits 2.
            int readError = state.Scenario.Mode == "read-error" ? 512 + (int)(new FileInfo(file).Length / 2) : -1;
            if (readError >= 0)
            {
                Array.Clear(bytes, readError, Math.Max(0, (int)Math.Min(bytes.Length, 512 + new FileInfo(file).Length) - readError));
                stderr.Append($"tar: {command[5]}: Read error at byte {readError - 512}, while reading 10240 bytes: Input/output error\ntar: Exiting with failure status due to previous errors\n");
            }

            // slow-copy: a thin link, so a test can stop the cmdlet in the middle of the copy.
            bool slow = state.Scenario.Mode == "slow-copy";
            // checkpoint-node-gone: the node (and the pod) vanish after about half of a node file went out.
            bool nodeGone = state.Scenario.Mode == "checkpoint-node-gone" && mapped!.Node is not null;
            int chunk = slow ? 512 : nodeGone ? Math.Max(512, bytes.Length / 8) : 32 * 1024;
            for (int offset = 0; offset < bytes.Length; offset += chunk)
            {
                if (nodeGone && offset >= bytes.Length / 2)
                {
                    state.DeleteNode(mapped!.Node!);
                    state.DeletePod(ns, name);
                    return Aborted;
                }

                await SendAsync(socket, 1, bytes.AsMemory(offset, Math.Min(chunk, bytes.Length - offset)));
                if (slow)
                {
                    await Task.Delay(500);
                }
            }

            return readError >= 0 ? 2 : 0;
        }
        finally
        {
            File.Delete(archive);
        }
    }

    private static string StatFormat(string format, FileSystemInfo info, string path)
    {
        var text = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                text.Append(format[i]);
                continue;
            }

            char f = format[++i];
            text.Append(f switch
            {
                's' => (info is FileInfo fi ? fi.Length : 4096).ToString(CultureInfo.InvariantCulture),
                'Y' => new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                'n' => path,
                '%' => "%",
                _ => "?",
            });
        }

        return text.ToString();
    }

    private static async Task SendTextAsync(WebSocket socket, StringBuilder text)
    {
        if (text.Length > 0)
        {
            await SendAsync(socket, 1, Encoding.UTF8.GetBytes(text.ToString()));
        }
    }

    private static async Task SendAsync(WebSocket socket, byte channel, ReadOnlyMemory<byte> payload)
    {
        byte[] message = new byte[payload.Length + 1];
        message[0] = channel;
        payload.CopyTo(message.AsMemory(1));
        await socket.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
    }

    // Reads (and ignores) what the client sends: stdin, v5 close signals, and finally its close frame.
    private static async Task DrainAsync(WebSocket socket)
    {
        byte[] buffer = new byte[4096];
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var r = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (WebSocketException)
        {
        }
    }
}
