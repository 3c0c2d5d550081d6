using System.Collections;
using System.Management.Automation;
using KForensics.Core.Falco;

namespace KForensics.Infrastructure;

/// <summary>
/// Lets -Rule take a loaded <see cref="FalcoRuleSet"/> or rules files and directories (paths,
/// FileInfo, DirectoryInfo), which are loaded as Import-FalcoRule loads them.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class FalcoRuleSetTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object value = inputData is PSObject pso ? pso.BaseObject : inputData;
        if (value is FalcoRuleSet set)
        {
            return set;
        }

        var paths = new List<string>();
        foreach (object item in value is IEnumerable e and not string ? e.Cast<object>() : [value])
        {
            object v = item is PSObject p ? p.BaseObject : item;
            switch (v)
            {
                case FalcoRuleSet single when paths.Count == 0 && value is not IEnumerable:
                    return single;
                case FileSystemInfo info:
                    paths.Add(info.FullName);
                    break;
                case string text:
                    paths.Add(engineIntrinsics.SessionState.Path.GetUnresolvedProviderPathFromPSPath(text));
                    break;
                default:
                    throw new ArgumentTransformationMetadataException(
                        $"-Rule takes the output of Import-FalcoRule or paths of rules files and directories, not {v?.GetType().Name ?? "null"}.");
            }
        }

        foreach (string path in paths)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                throw new ArgumentTransformationMetadataException($"The rules file '{path}' does not exist.");
            }
        }

        FalcoRuleSet loaded = FalcoRuleLoader.Load(paths);
        LoadedHere.AddOrUpdate(loaded, paths);
        return loaded;
    }

    /// <summary>Sets this attribute loaded from paths: their load errors are the command's to report (an imported set's were reported by Import-FalcoRule).</summary>
    internal static System.Runtime.CompilerServices.ConditionalWeakTable<FalcoRuleSet, List<string>> LoadedHere { get; } = new();
}

/// <summary>Load errors and warnings of a rule set as PowerShell errors and warnings.</summary>
internal static class FalcoRuleErrors
{
    /// <summary>For -Rule: reports the load of a set loaded from paths by the parameter itself, not that of an imported set.</summary>
    public static void ReportIfLoadedHere(Cmdlet cmdlet, FalcoRuleSet set)
    {
        if (FalcoRuleSetTransformationAttribute.LoadedHere.TryGetValue(set, out _))
        {
            Report(cmdlet, set);
        }
    }

    /// <summary>One non-terminating error per load error (FalcoRuleLoadFailed), one warning per load warning.</summary>
    public static void Report(Cmdlet cmdlet, FalcoRuleSet set)
    {
        foreach (FalcoLoadMessage error in set.Errors)
        {
            cmdlet.WriteError(ErrorRecords.Create(new FormatException(error.ToString()), ErrorIds.FalcoRuleLoadFailed, ErrorCategory.ParserError, error,
                error.ItemName is null
                    ? "Correct the rules file at the line given."
                    : $"Correct the {error.ItemKind} '{error.ItemName}'; the other items are loaded without it."));
        }

        foreach (FalcoLoadMessage warning in set.Warnings)
        {
            cmdlet.WriteWarning(warning.ToString());
        }
    }
}
