using System.Buffers.Binary;
using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>
/// Lays out a real CRIU checkpoint of a Docker container the way a Kubernetes runtime writes it for the kubelet
/// (plain tar, mode 0600):
/// CRI-O: checkpoint/, config.dump, spec.dump, bind.mounts, stats-dump, dump.log, rootfs-diff.tar (plain tar of
/// the added and changed regular files), deleted.files (JSON array of the deleted paths);
/// containerd 2.x: checkpoint/, config.dump, spec.dump, rootfs-diff.tar (gzip, deletions as .wh. whiteouts),
/// status, status.dump, container.log.
/// </summary>
public static class CheckpointLayout
{
    /// <summary>What to lay out: the Docker container, the layout, and the Kubernetes names it plays.</summary>
    public sealed record Request(string DockerContainer, string Layout, string Pod, string Namespace, string K8sContainer)
    {
        /// <summary>The image as the pod spec names it; Docker's Config.Image when null.</summary>
        public string? Image { get; init; }

        /// <summary>The container id for config.dump; Docker's id when null.</summary>
        public string? ContainerId { get; init; }
    }

    /// <summary>The runtime's own failure (docker checkpoint refused): the CRI error text.</summary>
    public sealed class CheckpointFailedException(string message) : Exception(message);

    private static readonly SemaphoreSlim DockerCheckpointGate = new(1, 1);

    public static string NormalizeLayout(string? layout) => layout?.ToLowerInvariant() switch
    {
        "crio" or "cri-o" => "cri-o",
        "containerd" or null or "" => "containerd",
        _ => throw new ArgumentException($"unknown layout '{layout}' (crio or containerd)"),
    };

    /// <summary>
    /// Checkpoints the Docker container, leaving it running, into a private temporary directory, lays the images
    /// out as <paramref name="output"/> and removes the directory.
    /// </summary>
    public static async Task CheckpointAsync(Request request, string output, CancellationToken cancel = default)
    {
        DirectoryInfo temp = Directory.CreateTempSubdirectory("kffake-checkpoint-");
        try
        {
            string name = "kf" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
            // One docker checkpoint at a time: containerd refuses two of the same container at once ("content ... already exists").
            await DockerCheckpointGate.WaitAsync(cancel);
            var watch = Stopwatch.StartNew();
            Docker.Result r;
            try
            {
                r = await Docker.RunAsync(
                    ["checkpoint", "create", "--leave-running", "--checkpoint-dir", temp.FullName, request.DockerContainer, name], cancel);
            }
            finally
            {
                watch.Stop();
                DockerCheckpointGate.Release();
            }

            if (r.ExitCode != 0)
            {
                throw new CheckpointFailedException($"docker checkpoint create {request.DockerContainer}: {r.Stderr.Trim()}");
            }

            await LayOutAsync(request, Path.Combine(temp.FullName, name), output, watch.Elapsed, cancel);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    /// <summary>Lays out CRIU images already taken of the (still running) Docker container.</summary>
    public static async Task LayOutAsync(Request request, string imagesDirectory, string output, TimeSpan? dumpTime = null, CancellationToken cancel = default)
    {
        string layout = NormalizeLayout(request.Layout);
        imagesDirectory = FindImages(imagesDirectory);
        JsonObject inspect = await Docker.InspectAsync(request.DockerContainer, cancel);
        string dockerId = inspect["Id"]!.GetValue<string>();
        string id = request.ContainerId ?? dockerId;
        string image = request.Image ?? inspect["Config"]?["Image"]?.GetValue<string>() ?? "unknown";
        string imageId = inspect["Image"]?.GetValue<string>() ?? "sha256:" + new string('0', 64);
        string created = inspect["Created"]?.GetValue<string>() ?? ClusterState.Now();
        string started = inspect["State"]?["StartedAt"]?.GetValue<string>() ?? created;
        int pid = inspect["State"]?["Pid"]?.GetValue<int>() ?? 0;
        string checkpointed = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

        JsonObject spec = await ReadSpecAsync(dockerId, cancel);
        var annotations = spec["annotations"] as JsonObject ?? new JsonObject();
        spec["annotations"] = annotations;
        if (layout == "cri-o")
        {
            annotations["io.container.manager"] = "cri-o";
            annotations["io.kubernetes.cri-o.Metadata"] = new JsonObject { ["name"] = request.K8sContainer, ["attempt"] = 0 }.ToJsonString();
            annotations["io.kubernetes.cri-o.ContainerID"] = id;
            annotations["io.kubernetes.cri-o.ContainerName"] = $"k8s_{request.K8sContainer}_{request.Pod}_{request.Namespace}_0";
            annotations["io.kubernetes.cri-o.ImageName"] = image;
            annotations["io.kubernetes.pod.namespace"] = request.Namespace;
            annotations["io.kubernetes.pod.name"] = request.Pod;
            annotations["io.kubernetes.container.name"] = request.K8sContainer;
            annotations["io.kubernetes.cri-o.Created"] = created;
            annotations["io.kubernetes.cri-o.IP.0"] = "10.0.0.20";
        }
        else
        {
            annotations["io.kubernetes.cri.container-name"] = request.K8sContainer;
            annotations["io.kubernetes.cri.container-type"] = "container";
            annotations["io.kubernetes.cri.sandbox-namespace"] = request.Namespace;
            annotations["io.kubernetes.cri.sandbox-name"] = request.Pod;
            annotations["io.kubernetes.cri.image-name"] = image;
        }

        var config = new JsonObject
        {
            ["id"] = id,
            ["name"] = request.K8sContainer,
            ["rootfsImage"] = image,
            ["rootfsImageRef"] = layout == "cri-o" ? imageId.Replace("sha256:", string.Empty, StringComparison.Ordinal) : imageId,
            ["rootfsImageName"] = image,
            ["runtime"] = layout == "cri-o" ? "runc" : "io.containerd.runc.v2",
            ["createdTime"] = created,
            ["checkpointedTime"] = checkpointed,
        };

        List<(char Kind, string Path)> changes = await DiffAsync(request.DockerContainer, cancel);
        var members = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        members["config.dump"] = Json(config);
        members["spec.dump"] = Json(spec);
        if (layout == "cri-o")
        {
            members["bind.mounts"] = "[]"u8.ToArray();
            members["rootfs-diff.tar"] = await RootFsDiffAsync(request.DockerContainer, changes, oci: false, cancel);
            members["deleted.files"] = Json(new JsonArray(changes.Where(c => c.Kind == 'D').Select(c => (JsonNode)c.Path).ToArray()));
            string stats = Path.Combine(imagesDirectory, "stats-dump");
            members["stats-dump"] = File.Exists(stats) ? await File.ReadAllBytesAsync(stats, cancel) : StatsDump(imagesDirectory, dumpTime ?? TimeSpan.Zero);
            string log = Path.Combine(imagesDirectory, "dump.log");
            members["dump.log"] = File.Exists(log) ? await File.ReadAllBytesAsync(log, cancel) : Array.Empty<byte>();
        }
        else
        {
            long createdNs = UnixNanoseconds(created), startedNs = UnixNanoseconds(started);
            members["rootfs-diff.tar"] = await RootFsDiffAsync(request.DockerContainer, changes, oci: true, cancel);
            members["status"] = Json(new JsonObject
            {
                ["Version"] = "v1",
                ["Pid"] = pid,
                ["CreatedAt"] = createdNs,
                ["StartedAt"] = startedNs,
                ["FinishedAt"] = 0,
                ["ExitCode"] = 0,
                ["Reason"] = string.Empty,
                ["Message"] = string.Empty,
                ["Starting"] = false,
                ["Removing"] = false,
                ["Unknown"] = false,
                ["Resources"] = null,
            });
            members["status.dump"] = Json(new JsonObject
            {
                ["id"] = id,
                ["metadata"] = new JsonObject { ["name"] = request.K8sContainer },
                ["state"] = 1,
                ["created_at"] = createdNs,
                ["started_at"] = startedNs,
                ["image"] = new JsonObject { ["image"] = image },
                ["image_ref"] = imageId,
                ["labels"] = new JsonObject
                {
                    ["io.kubernetes.container.name"] = request.K8sContainer,
                    ["io.kubernetes.pod.name"] = request.Pod,
                    ["io.kubernetes.pod.namespace"] = request.Namespace,
                },
                ["annotations"] = new JsonObject(),
                ["log_path"] = $"/var/log/pods/{request.Namespace}_{request.Pod}_00000000-0000-0000-0000-000000000000/{request.K8sContainer}/0.log",
            });
            Docker.Result logs = await Docker.RunAsync(["logs", request.DockerContainer], cancel);
            members["container.log"] = Encoding.UTF8.GetBytes(logs.Text + logs.Stderr);
        }

        await WriteArchiveAsync(output, imagesDirectory, members, cancel);
    }

    // Accepts the CRIU image directory itself or a directory holding exactly one (docker's --checkpoint-dir).
    private static string FindImages(string directory)
    {
        if (File.Exists(Path.Combine(directory, "inventory.img")))
        {
            return directory;
        }

        string[] inner = Directory.GetDirectories(directory).Where(d => File.Exists(Path.Combine(d, "inventory.img"))).ToArray();
        return inner.Length == 1 ? inner[0] : throw new ArgumentException($"{directory} holds no CRIU images (inventory.img)");
    }

    // The OCI runtime spec Docker's containerd shim runs the container with.
    private static async Task<JsonObject> ReadSpecAsync(string dockerId, CancellationToken cancel)
    {
        string[] roots =
        [
            "/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby",
            "/run/containerd/io.containerd.runtime.v2.task/moby",
        ];
        foreach (string root in roots)
        {
            string file = Path.Combine(root, dockerId, "config.json");
            if (File.Exists(file))
            {
                return JsonNode.Parse(await File.ReadAllBytesAsync(file, cancel))!.AsObject();
            }
        }

        throw new Docker.DockerException($"no OCI spec (config.json) for the running container {dockerId}; is it running?");
    }

    private static async Task<List<(char Kind, string Path)>> DiffAsync(string container, CancellationToken cancel)
    {
        Docker.Result r = await Docker.RunAsync(["diff", container], cancel);
        if (r.ExitCode != 0)
        {
            throw new Docker.DockerException($"docker diff {container} failed: {r.Stderr.Trim()}");
        }

        return r.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Length > 2 && l[1] == ' ')
            .Select(l => (l[0], l[2..]))
            .ToList();
    }

    /// <summary>
    /// The container's file system changes as a tar: the added or changed regular files (contents from docker
    /// export); CRI-O: plain tar, deletions go to deleted.files; containerd (an OCI layer): gzip, with the changed
    /// directories and a .wh. whiteout per deleted path.
    /// </summary>
    private static async Task<byte[]> RootFsDiffAsync(string container, List<(char Kind, string Path)> changes, bool oci, CancellationToken cancel)
    {
        var wanted = changes.Where(c => c.Kind is 'A' or 'C').Select(c => c.Path.TrimStart('/')).ToHashSet(StringComparer.Ordinal);
        var entries = new SortedDictionary<string, TarEntry>(StringComparer.Ordinal);
        if (wanted.Count > 0)
        {
            await Docker.StreamAsync(["export", container], async stream =>
            {
                var reader = new TarReader(stream);
                while (await reader.GetNextEntryAsync(copyData: true, cancel) is { } entry)
                {
                    string name = entry.Name.TrimStart('.', '/').TrimEnd('/');
                    if (!wanted.Contains(name))
                    {
                        continue;
                    }

                    if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                    {
                        var copy = new GnuTarEntry(TarEntryType.RegularFile, name)
                        {
                            Mode = entry.Mode, Uid = entry.Uid, Gid = entry.Gid, ModificationTime = entry.ModificationTime,
                            DataStream = new MemoryStream(await ReadAllAsync(entry.DataStream, cancel)),
                        };
                        entries[name] = copy;
                    }
                    else if (oci && entry.EntryType == TarEntryType.Directory)
                    {
                        entries[name + "/"] = new GnuTarEntry(TarEntryType.Directory, name + "/")
                        {
                            Mode = entry.Mode, Uid = entry.Uid, Gid = entry.Gid, ModificationTime = entry.ModificationTime,
                        };
                    }
                }
            }, cancel);
        }

        if (oci)
        {
            var deleted = changes.Where(c => c.Kind == 'D').Select(c => c.Path.TrimStart('/')).ToHashSet(StringComparer.Ordinal);
            foreach (string path in deleted)
            {
                // Only the topmost deleted path needs a whiteout: a deleted directory hides what was under it.
                if (Ancestors(path).Any(deleted.Contains))
                {
                    continue;
                }

                int slash = path.LastIndexOf('/');
                string whiteout = slash < 0 ? ".wh." + path : path[..(slash + 1)] + ".wh." + path[(slash + 1)..];
                entries[whiteout] = new GnuTarEntry(TarEntryType.RegularFile, whiteout)
                {
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                    ModificationTime = DateTimeOffset.UtcNow,
                };
            }
        }

        var buffer = new MemoryStream();
        await using (Stream target = oci ? new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true) : new NonClosing(buffer))
        await using (var writer = new TarWriter(target, TarEntryFormat.Gnu, leaveOpen: true))
        {
            foreach (TarEntry e in entries.Values)
            {
                e.DataStream?.Seek(0, SeekOrigin.Begin);
                await writer.WriteEntryAsync(e, cancel);
            }
        }

        return buffer.ToArray();
    }

    private static IEnumerable<string> Ancestors(string path)
    {
        for (int i = path.LastIndexOf('/'); i > 0; i = path.LastIndexOf('/', i - 1))
        {
            yield return path[..i];
        }
    }

    private static async Task<byte[]> ReadAllAsync(Stream? stream, CancellationToken cancel)
    {
        if (stream is null)
        {
            return Array.Empty<byte>();
        }

        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, cancel);
        return copy.ToArray();
    }

    /// <summary>
    /// A CRIU stats-dump (IMG_SERVICE + STATS magic, one stats_entry with dump stats) for when the runtime kept none:
    /// the measured checkpoint time and the pages in the images.
    /// </summary>
    private static byte[] StatsDump(string imagesDirectory, TimeSpan elapsed)
    {
        long pageBytes = Directory.GetFiles(imagesDirectory, "pages-*.img").Sum(f => new FileInfo(f).Length);
        ulong pages = (ulong)(pageBytes / 4096);
        uint total = (uint)Math.Min(uint.MaxValue, elapsed.Ticks / 10);
        var dump = new MemoryStream();
        Varint(dump, 1, total / 10);        // freezing_time
        Varint(dump, 2, total);             // frozen_time
        Varint(dump, 3, total / 2);         // memdump_time
        Varint(dump, 4, total / 3);         // memwrite_time
        Varint(dump, 5, pages);             // pages_scanned
        Varint(dump, 6, 0);                 // pages_skipped_parent
        Varint(dump, 7, pages);             // pages_written
        Varint(dump, 8, 0);                 // irmap_resolve
        Varint(dump, 9, 0);                 // pages_lazy
        var entry = new MemoryStream();
        entry.WriteByte(1 << 3 | 2);        // stats_entry.dump, length-delimited
        WriteVarint(entry, (ulong)dump.Length);
        dump.WriteTo(entry);
        byte[] image = new byte[12 + entry.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(image, 0x55105940);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(4), 0x57093306);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(8), (uint)entry.Length);
        entry.ToArray().CopyTo(image, 12);
        return image;
    }

    private static void Varint(Stream s, int field, ulong value)
    {
        WriteVarint(s, (ulong)(field << 3));
        WriteVarint(s, value);
    }

    private static void WriteVarint(Stream s, ulong value)
    {
        while (value >= 0x80)
        {
            s.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        s.WriteByte((byte)value);
    }

    private static long UnixNanoseconds(string rfc3339) =>
        DateTimeOffset.TryParse(rfc3339, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100
            : 0;

    private static byte[] Json(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));

    // The archive is written next to its final name (a dot file, hidden from ls) and renamed, mode 0600.
    private static async Task WriteArchiveAsync(string output, string imagesDirectory, SortedDictionary<string, byte[]> members, CancellationToken cancel)
    {
        string full = Path.GetFullPath(output);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string partial = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".partial");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        const UnixFileMode File0644 = File0600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        try
        {
            var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = File0600;
            }

            await using (var stream = new FileStream(partial, create))
            await using (var writer = new TarWriter(stream, TarEntryFormat.Gnu, leaveOpen: false))
            {
                var names = members.Keys.Append("checkpoint/").OrderBy(n => n.TrimEnd('/'), StringComparer.Ordinal);
                foreach (string name in names)
                {
                    if (name == "checkpoint/")
                    {
                        await writer.WriteEntryAsync(new GnuTarEntry(TarEntryType.Directory, "checkpoint/")
                        {
                            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, ModificationTime = now,
                        }, cancel);
                        foreach (string file in Directory.GetFiles(imagesDirectory).OrderBy(f => f, StringComparer.Ordinal))
                        {
                            string leaf = Path.GetFileName(file);
                            if (leaf is "stats-dump" or "dump.log")
                            {
                                continue;
                            }

                            await using var data = File.OpenRead(file);
                            await writer.WriteEntryAsync(new GnuTarEntry(TarEntryType.RegularFile, "checkpoint/" + leaf)
                            {
                                Mode = File0644, ModificationTime = File.GetLastWriteTimeUtc(file), DataStream = data,
                            }, cancel);
                        }

                        continue;
                    }

                    await writer.WriteEntryAsync(new GnuTarEntry(TarEntryType.RegularFile, name)
                    {
                        Mode = File0600, ModificationTime = now, DataStream = new MemoryStream(members[name]),
                    }, cancel);
                }
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(partial, File0600);
            }

            File.Move(partial, full, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    // Lets the TarWriter close its stream without closing the buffer under it.
    private sealed class NonClosing(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
    }

    /// <summary>
    /// Command line: layout --container (docker name) --layout crio|containerd --pod p --namespace n
    /// --k8s-container c --out (file.tar) [--checkpoint-dir (CRIU images, else the container is checkpointed now,
    /// left running)] [--image (name)] [--id (container id)]. Prints the archive's path.
    /// </summary>
    public static async Task<int> RunCommandLineAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                Console.Error.WriteLine($"layout: unexpected argument {args[i]}");
                return 2;
            }

            options[args[i][2..]] = args[++i];
        }

        string[] required = ["container", "pod", "namespace", "k8s-container", "out"];
        if (required.FirstOrDefault(r => !options.ContainsKey(r)) is { } missing)
        {
            Console.Error.WriteLine($"layout: --{missing} is required");
            return 2;
        }

        try
        {
            var request = new Request(options["container"], NormalizeLayout(options.GetValueOrDefault("layout")), options["pod"], options["namespace"], options["k8s-container"])
            {
                Image = options.GetValueOrDefault("image"),
                ContainerId = options.GetValueOrDefault("id"),
            };
            string output = Path.GetFullPath(options["out"]);
            if (options.TryGetValue("checkpoint-dir", out string? images))
            {
                await LayOutAsync(request, images, output);
            }
            else
            {
                await CheckpointAsync(request, output);
            }

            Console.WriteLine(output);
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or Docker.DockerException or CheckpointFailedException or IOException)
        {
            Console.Error.WriteLine("layout: " + e.Message);
            return 1;
        }
    }
}
