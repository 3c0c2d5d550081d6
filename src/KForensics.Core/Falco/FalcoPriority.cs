namespace KForensics.Core.Falco;

/// <summary>Falco's rule priorities, most severe first (syslog severities).</summary>
public enum FalcoPriority
{
    Emergency = 0,
    Alert = 1,
    Critical = 2,
    Error = 3,
    Warning = 4,
    Notice = 5,
    Informational = 6,
    Debug = 7,
}

/// <summary>Priority names as rules files write them.</summary>
public static class FalcoPriorities
{
    /// <summary>
    /// Reads a priority the way current Falco does: case-insensitive, <c>info</c> for Informational.
    /// </summary>
    public static bool TryParse(string? text, out FalcoPriority priority)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "emergency": priority = FalcoPriority.Emergency; return true;
            case "alert": priority = FalcoPriority.Alert; return true;
            case "critical": priority = FalcoPriority.Critical; return true;
            case "error": priority = FalcoPriority.Error; return true;
            case "warning": priority = FalcoPriority.Warning; return true;
            case "notice": priority = FalcoPriority.Notice; return true;
            case "informational" or "info": priority = FalcoPriority.Informational; return true;
            case "debug": priority = FalcoPriority.Debug; return true;
            default: priority = FalcoPriority.Debug; return false;
        }
    }
}
