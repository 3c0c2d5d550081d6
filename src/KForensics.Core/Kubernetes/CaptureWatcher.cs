using k8s;
using k8s.Models;

namespace KForensics.Core.Kubernetes;

/// <summary>
/// Watches one capture pod until its sysdig container terminates. The watch is re-opened when the
/// server ends it, and the pod's state is re-read each time, so no transition is missed.
/// </summary>
internal sealed class CaptureWatcher
{
    private static readonly HashSet<string> FatalWaitingReasons = new(StringComparer.Ordinal)
    {
        "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "RunContainerError",
    };

    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly string _podName;
    private volatile string _lastState = "not yet seen";
    private long _startedTicks;

    public CaptureWatcher(IKubernetes client, string @namespace, string podName)
    {
        _client = client;
        _namespace = @namespace;
        _podName = podName;
    }

    /// <summary>When sysdig started running, once it has.</summary>
    public DateTime? SysdigStartedUtc
    {
        get
        {
            long ticks = Interlocked.Read(ref _startedTicks);
            return ticks == 0 ? null : new DateTime(ticks, DateTimeKind.Utc);
        }
    }

    /// <summary>The last phase and container state seen, for timeout messages.</summary>
    public string LastState => _lastState;

    public async Task<(DateTime Start, DateTime End, int ExitCode, string? Reason)> WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            IAsyncEnumerable<(WatchEventType, V1Pod)> events;
            try
            {
                events = _client.CoreV1.WatchListNamespacedPodAsync(_namespace, fieldSelector: $"metadata.name={_podName}", timeoutSeconds: 300,
                    cancellationToken: cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw KubeOperationException.From(e, $"watch capture pod '{_podName}'");
            }

            var enumerator = events.GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await enumerator.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (Exception e) when (cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
                    {
                        // A cancelled stream read may surface as an I/O error; it is still a cancellation.
                        throw new OperationCanceledException("The watch was cancelled.", e, cancellationToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        throw KubeOperationException.From(e, $"watch capture pod '{_podName}'");
                    }

                    if (!more)
                    {
                        break;
                    }

                    var (type, pod) = enumerator.Current;
                    if (type == WatchEventType.Deleted)
                    {
                        throw new KubeOperationException(KubeFailureKind.CaptureFailed, $"Capture pod '{_podName}' was deleted before sysdig ended.");
                    }

                    if (Inspect(pod) is { } done)
                    {
                        return done;
                    }
                }
            }
            finally
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private (DateTime, DateTime, int, string?)? Inspect(V1Pod pod)
    {
        V1ContainerStatus? sysdig = pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == CapturePodBuilder.SysdigContainer);
        string phase = pod.Status?.Phase ?? "Unknown";
        V1ContainerState? state = sysdig?.State;
        _lastState = $"phase {phase}, sysdig {(state?.Running is not null ? "running" : state?.Terminated is not null ? "terminated" : state?.Waiting?.Reason ?? "waiting")}";

        if (state?.Running is { } running && SysdigStartedUtc is null)
        {
            DateTime started = (running.StartedAt ?? DateTime.UtcNow).ToUniversalTime();
            Interlocked.Exchange(ref _startedTicks, started.Ticks);
        }

        if (state?.Terminated is { } t)
        {
            DateTime end = (t.FinishedAt ?? DateTime.UtcNow).ToUniversalTime();
            DateTime start = (t.StartedAt ?? SysdigStartedUtc ?? end).ToUniversalTime();
            return (start, end, t.ExitCode, t.Reason ?? t.Message);
        }

        if (state?.Waiting is { } w && w.Reason is string reason && FatalWaitingReasons.Contains(reason))
        {
            throw new KubeOperationException(KubeFailureKind.CaptureFailed, $"The sysdig container of capture pod '{_podName}' cannot start: {reason} {w.Message}".TrimEnd());
        }

        if (phase is "Failed" or "Succeeded")
        {
            throw new KubeOperationException(KubeFailureKind.CaptureFailed,
                $"Capture pod '{_podName}' ended ({phase}: {pod.Status?.Reason} {pod.Status?.Message}) before sysdig reported an exit code.".Replace("  ", " "));
        }

        return null;
    }
}
