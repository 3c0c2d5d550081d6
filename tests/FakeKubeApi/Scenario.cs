namespace FakeKubeApi;

/// <summary>How the fake cluster behaves for the next captures; set by the tests through PUT /_fake/scenario.</summary>
public sealed class Scenario
{
    /// <summary>ok, sysdig-fails, empty, hang, hash-mismatch, not-scap, slow-copy, forbidden-create, forbidden-delete.</summary>
    public string Mode { get; set; } = "ok";

    /// <summary>A plain scap file; the "sysdig" container writes it gzip-compressed where its -w argument says.</summary>
    public string? CaptureSource { get; set; }

    /// <summary>The capture container ends after min(-M, this) seconds, so tests need not wait for the full duration.</summary>
    public double MaxCaptureSeconds { get; set; } = 1;

    /// <summary>Time from creation until the containers run (image pull, scheduling).</summary>
    public int StartDelayMilliseconds { get; set; } = 300;
}
