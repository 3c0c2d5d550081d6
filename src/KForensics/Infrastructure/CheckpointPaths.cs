using System.Management.Automation;

namespace KForensics.Infrastructure;

/// <summary>Checkpoints named by the objects that carry their paths.</summary>
internal static class CheckpointPaths
{
    /// <summary>A checkpoint named by a string or by an object that carries its path (Path, Location, LocalPath, Checkpoint, FullName).</summary>
    public static string? FromObject(object? value)
    {
        object? v = value is PSObject ps ? ps.BaseObject : value;
        if (v is string s)
        {
            return s;
        }

        if (v is FileSystemInfo info)
        {
            return info.FullName;
        }

        PSObject wrapped = PSObject.AsPSObject(value);
        foreach (string name in new[] { "LocalPath", "Path", "Location", "Checkpoint", "FullName" })
        {
            if (wrapped.Properties[name]?.Value is string p && p.Length > 0)
            {
                return p;
            }
        }

        return null;
    }
}
