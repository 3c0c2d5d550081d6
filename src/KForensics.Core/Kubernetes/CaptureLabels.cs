namespace KForensics.Core.Kubernetes;

/// <summary>The labels and annotations that mark a pod as a KForensics capture, so it can always be found and removed.</summary>
public static class CaptureLabels
{
    public const string ManagedBy = "app.kubernetes.io/managed-by";
    public const string ManagedByValue = "kforensics";
    public const string Component = "app.kubernetes.io/component";
    public const string ComponentValue = "pod-capture";
    public const string TargetUid = "kforensics.io/target-uid";

    // Names can exceed a label value's 63 characters, so they go in annotations.
    public const string TargetPod = "kforensics.io/target-pod";
    public const string TargetNamespace = "kforensics.io/target-namespace";
    public const string CaptureFile = "kforensics.io/capture-file";

    /// <summary>The selector every capture pod matches.</summary>
    public static string Selector => $"{ManagedBy}={ManagedByValue},{Component}={ComponentValue}";
}
