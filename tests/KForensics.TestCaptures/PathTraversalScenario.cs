using System.Net;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;

namespace KForensics.TestCaptures;

/// <summary>
/// A capture of a path-traversal attack, built with <see cref="ScapWriter"/>: a client container runs
/// <c>curl &lt;nginx-ip&gt;/files../etc/passwd</c> from a shell; the nginx container (whose
/// <c>location /files { alias /home/; }</c> lacks a trailing slash) accepts the connection, opens
/// <c>/home/../etc/passwd</c> and returns the file. Host processes add the background a real node has.
/// The properties are the facts an investigation should recover from the capture.
/// </summary>
public sealed partial class PathTraversalScenario
{
    public PathTraversalScenario()
    {
        Nginx = new ContainerDescription(
            "4f0e6a2c9b1d83e5a7c6f2d1b0e9a8c7d6f5e4d3c2b1a09f8e7d6c5b4a392817",
            "k8s_nginx_insecure-nginx-7c99fdf44b-4fl5s_insecure-nginx_5b6f0f7e-1c2d-4e3f-9a8b-7c6d5e4f3a2b_0",
            "nginx:1.25")
        {
            ImageId = "a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6",
            ImageDigest = "sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac",
            Labels = PodLabels("insecure-nginx-7c99fdf44b-4fl5s", "insecure-nginx", "5b6f0f7e-1c2d-4e3f-9a8b-7c6d5e4f3a2b", "nginx"),
            Env = new[] { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NGINX_VERSION=1.25.3" },
        };
        Client = new ContainerDescription(
            "9c1b7e3d5f2a4086b8d6e4c2a0f9e7d5c3b1a9f8e7d6c5b4a3f2e1d0c9b8a776",
            "k8s_client_client-6d9f7b8c5-x2kqp_default_0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9_0",
            "curlimages/curl:8.5.0")
        {
            ImageId = "b9e4d1cf6a0a2d7c5e3f1b9a8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d",
            ImageDigest = "sha256:08e466006f0860e54fc299378de998935333e0e130a15f6f98482e9f8dab3058",
            Labels = PodLabels("client-6d9f7b8c5-x2kqp", "default", "0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9", "client"),
            Env = new[] { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "CURL_VERSION=8.5.0" },
        };
    }

    /// <summary>When the attack starts (the first timestamped event), UTC.</summary>
    public DateTime Start { get; init; } = new(2024, 3, 14, 9, 26, 53, DateTimeKind.Utc);

    public string Hostname { get; init; } = "ip-172-31-20-57";

    public ContainerDescription Nginx { get; }

    public ContainerDescription Client { get; }

    public IPAddress NodeIp { get; init; } = IPAddress.Parse("172.31.20.57");

    public IPAddress NginxIp { get; init; } = IPAddress.Parse("100.123.226.70");

    public IPAddress ClientIp { get; init; } = IPAddress.Parse("100.123.226.66");

    public int ClientPort { get; init; } = 45712;

    /// <summary>What curl was given: <c>&lt;nginx-ip&gt;/files../etc/passwd</c>.</summary>
    public string Url => $"{NginxIp}/files../etc/passwd";

    /// <summary>The file the traversal reaches, as sysdig names it (fd.name).</summary>
    public string TargetFile { get; } = "/etc/passwd";

    /// <summary>The path nginx built from its alias and the request (the openat name).</summary>
    public string OpenedPath { get; } = "/home/../etc/passwd";

    public long NginxMasterPid { get; init; } = 21874;

    public long NginxWorkerPid { get; init; } = 21911;

    public long ClientShellPid { get; init; } = 22040;

    public long CurlPid { get; init; } = 22101;

    /// <summary>The request line and headers curl sends.</summary>
    public string Request => $"GET /files../etc/passwd HTTP/1.1\r\nHost: {NginxIp}\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n";

    /// <summary>The start of /etc/passwd inside the nginx image.</summary>
    public string PasswdContent { get; } =
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nbin:x:2:2:bin:/bin:/usr/sbin/nologin\n" +
        "sys:x:3:3:sys:/dev:/usr/sbin/nologin\nnginx:x:101:101:nginx user:/nonexistent:/bin/false\n";

    /// <summary>Writes the capture to <paramref name="path"/> (gzip-compressed when asked).</summary>
    public void Write(string path, bool gzip = false)
    {
        using ScapWriter writer = ScapWriter.Create(path, gzip);
        Write(writer);
    }

    public void Write(ScapWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        AddMetadata(writer);
        var clock = new Clock(writer, Start);
        writer.WriteContainer(Nginx);
        writer.WriteContainer(Client);
        WriteEvents(clock);
    }

    private static Dictionary<string, string> PodLabels(string pod, string ns, string uid, string container) => new()
    {
        ["io.kubernetes.container.name"] = container,
        ["io.kubernetes.pod.name"] = pod,
        ["io.kubernetes.pod.namespace"] = ns,
        ["io.kubernetes.pod.uid"] = uid,
    };

    private void AddMetadata(ScapWriter writer)
    {
        writer.MachineInfo = new ScapMachineInfo(Hostname, 2, 8UL << 30, (ulong)(Start.AddDays(-3) - DateTime.UnixEpoch).Ticks * 100);
        writer.AddInterface(new ScapInterface("lo", IPAddress.Loopback, IPAddress.Parse("255.0.0.0")));
        writer.AddInterface(new ScapInterface("eth0", NodeIp, IPAddress.Parse("255.255.240.0")));
        writer.AddUser(new ScapUser(0, 0, "root", "/root", "/bin/bash"));
        writer.AddUser(new ScapUser(101, 101, "systemd-network", "/run/systemd", "/usr/sbin/nologin"));
        writer.AddGroup(new ScapGroup(0, "root"));
        writer.AddGroup(new ScapGroup(101, "systemd-network"));

        writer.AddThread(Host(1, 0, "systemd", "/sbin/init", "/usr/lib/systemd/systemd", "--system", "--deserialize", "31"));
        writer.AddThread(Host(612, 1, "containerd", "/usr/bin/containerd", "/usr/bin/containerd"));
        writer.AddThread(Host(655, 1, "kubelet", "/usr/bin/kubelet", "/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml"));
        writer.AddThread(Host(1021, 1, "sshd", "sshd: ubuntu@pts/0", "/usr/sbin/sshd"));
        writer.AddThread(Host(21850, 1, "containerd-shim", "/usr/bin/containerd-shim-runc-v2", "/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io"));
        writer.AddThread(Host(22020, 1, "containerd-shim", "/usr/bin/containerd-shim-runc-v2", "/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io"));

        writer.AddThread(InContainer(Nginx, NginxMasterPid, 21850, 1, "nginx", "nginx", "/usr/sbin/nginx", "/", "-g", "daemon off;"));
        writer.AddThread(InContainer(Nginx, NginxWorkerPid, NginxMasterPid, 29, "nginx", "nginx", "/usr/sbin/nginx", "/", "-g", "daemon off;") with { Uid = 101, Gid = 101 });
        writer.AddThread(InContainer(Client, ClientShellPid, 22020, 1, "sh", "/bin/sh", "/bin/busybox", "/home/curl_user", "-c", "sleep 3600 & wait; sh"));

        writer.AddFd(1021, ScapFd.Connected(3, new IPEndPoint(IPAddress.Parse("198.51.100.23"), 51244), new IPEndPoint(NodeIp, 22)));
        writer.AddFd(NginxMasterPid, ScapFd.Listening(6, new IPEndPoint(IPAddress.Any, 80)));
        writer.AddFd(NginxWorkerPid, ScapFd.File(1, "/dev/stdout", 2));
        writer.AddFd(NginxWorkerPid, ScapFd.File(2, "/dev/stderr", 2));
        writer.AddFd(NginxWorkerPid, ScapFd.File(4, "/var/log/nginx/access.log", 2 | 8));
        writer.AddFd(NginxWorkerPid, ScapFd.Listening(6, new IPEndPoint(IPAddress.Any, 80)));
        writer.AddFd(NginxWorkerPid, new ScapFd(8, ScapFdType.EventPoll) { Name = string.Empty });
        writer.AddFd(ClientShellPid, ScapFd.File(0, "/dev/pts/0", 3));
        writer.AddFd(ClientShellPid, ScapFd.File(1, "/dev/pts/0", 3));
        writer.AddFd(ClientShellPid, ScapFd.File(2, "/dev/pts/0", 3));
    }

    private static ScapThread Host(long pid, long ppid, string comm, string exe, string exePath, params string[] args) =>
        new(pid, pid, ppid, comm, exe) { ExePath = exePath, Args = args, Vtid = pid, Vpid = pid, Sid = pid, Vpgid = pid, VmSizeKb = 20480, VmRssKb = 8192 };

    private static ScapThread InContainer(ContainerDescription container, long pid, long ppid, long vpid, string comm, string exe, string exePath, string cwd, params string[] args) =>
        new(pid, pid, ppid, comm, exe)
        {
            ExePath = exePath,
            Args = args,
            Cwd = cwd,
            Cgroups = container.Cgroups,
            Env = container.Env,
            Vtid = vpid,
            Vpid = vpid,
            Sid = pid,
            Vpgid = vpid,
            VmSizeKb = 11264,
            VmRssKb = 4096,
        };
}
