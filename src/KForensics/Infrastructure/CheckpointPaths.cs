using System.Management.Automation;

namespace KForensics.Infrastructure;

/// <summary>Resolves checkpoint paths: archives (files) and checkpoint directories, with wildcards unless literal.</summary>
internal static class CheckpointPaths
{
    public static IEnumerable<string> Resolve(PSCmdlet cmdlet, string[] paths, bool literal)
    {
        foreach (string path in paths)
        {
            var resolved = new List<string>();
            try
            {
                if (literal)
                {
                    string full = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                    if (File.Exists(full) || Directory.Exists(full))
                    {
                        resolved.Add(full);
                    }
                    else
                    {
                        cmdlet.WriteError(ErrorRecords.PathNotFound(path));
                    }
                }
                else
                {
                    foreach (string p in cmdlet.GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider))
                    {
                        if (provider.Name == "FileSystem")
                        {
                            resolved.Add(p);
                        }
                    }
                }
            }
            catch (ItemNotFoundException)
            {
                cmdlet.WriteError(ErrorRecords.PathNotFound(path));
                continue;
            }

            foreach (string r in resolved)
            {
                yield return r;
            }
        }
    }

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
