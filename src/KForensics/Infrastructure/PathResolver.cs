using System.Management.Automation;

namespace KForensics.Infrastructure;

/// <summary>Resolves -Path (wildcards) and -LiteralPath to file-system paths, writing one error per miss.</summary>
internal static class PathResolver
{
    /// <summary>
    /// The files <paramref name="paths"/> name; with <paramref name="directories"/>, directories too (a checkpoint is
    /// an archive or a directory), otherwise a directory named without wildcards is an error.
    /// </summary>
    public static IEnumerable<string> Resolve(PSCmdlet cmdlet, string[] paths, bool literal, bool directories = false)
    {
        foreach (string path in paths)
        {
            var resolved = new List<string>();
            try
            {
                if (literal)
                {
                    string full = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                    if (File.Exists(full) || (directories && Directory.Exists(full)))
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
                        if (provider.Name != "FileSystem" || (!directories && Directory.Exists(p)))
                        {
                            if (!directories && !WildcardPattern.ContainsWildcardCharacters(path))
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
