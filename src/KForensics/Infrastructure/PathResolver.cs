using System.Management.Automation;

namespace KForensics.Infrastructure;

/// <summary>Resolves -Path (wildcards) and -LiteralPath to file-system paths, writing one error per miss.</summary>
internal static class PathResolver
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
                    if (File.Exists(full))
                    {
                        resolved.Add(full);
                    }
                    else if (Directory.Exists(full))
                    {
                        cmdlet.WriteError(new ErrorRecord(new IOException(ErrorRecords.Format("'{0}' is a directory, not a capture file.", path)),
                            ErrorIds.PathIsDirectory, ErrorCategory.InvalidArgument, path));
                        continue;
                    }
                    else
                    {
                        cmdlet.WriteError(ErrorRecords.PathNotFound(path));
                        continue;
                    }
                }
                else
                {
                    foreach (string p in cmdlet.GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider))
                    {
                        if (provider.Name != "FileSystem" || Directory.Exists(p))
                        {
                            if (!WildcardPattern.ContainsWildcardCharacters(path))
                            {
                                cmdlet.WriteError(new ErrorRecord(new IOException(ErrorRecords.Format("'{0}' is not a file.", path)),
                                    ErrorIds.PathIsDirectory, ErrorCategory.InvalidArgument, path));
                            }

                            continue;
                        }

                        resolved.Add(p);
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
}
