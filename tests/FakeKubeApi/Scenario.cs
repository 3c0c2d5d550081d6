namespace FakeKubeApi;

/// <summary>How the fake cluster behaves for the next captures; set by the tests through PUT /_fake/scenario.</summary>
public sealed class Scenario
{
    /// <summary>
    /// ok, sysdig-fails, empty, hang, hash-mismatch, not-scap, slow-copy, forbidden-create, forbidden-delete;
    /// read-error (tar of any file reads half of it, then fails with an I/O error and exits 2); etcd-timeout (reading one pod
    /// is a 500 InternalError, as when etcd does not answer);
    /// for POST nodes/{node}/proxy/checkpoint/..: checkpoint-gate-off (kubelet 404 page not found),
    /// checkpoint-forbidden-proxy (API server 403 on nodes/proxy), checkpoint-forbidden-kubelet (kubelet 403 on
    /// nodes/checkpoint), checkpoint-unsupported (500 Unimplemented), checkpoint-criu-fails (500 criu failed);
    /// checkpoint-node-gone: a tar exec of a file under the kubelet checkpoints hostPath deletes the node and the
    /// pod after about half the bytes and aborts the WebSocket (no Status).
    /// </summary>
    public string Mode { get; set; } = "ok";

    /// <summary>A plain scap file; the "sysdig" container writes it gzip-compressed where its -w argument says.</summary>
    public string? CaptureSource { get; set; }

    /// <summary>The capture container ends after min(-M, this) seconds, so tests need not wait for the full duration.</summary>
    public double MaxCaptureSeconds { get; set; } = 1;

    /// <summary>Time from creation until the containers run (image pull, scheduling).</summary>
    public int StartDelayMilliseconds { get; set; } = 300;

    /// <summary>
    /// The kubelet waits this long before it checkpoints; a request whose timeout (seconds, when above 0) is shorter
    /// fails after that timeout with 500 DeadlineExceeded.
    /// </summary>
    public double CheckpointDelaySeconds { get; set; }
}
