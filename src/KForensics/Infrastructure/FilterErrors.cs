using System.Management.Automation;
using KForensics.Core.Filtering;
using KForensics.Core.Scap.Fields;

namespace KForensics.Infrastructure;

/// <summary>A filter that does not compile is a broken invocation: one terminating error with the position and a caret.</summary>
internal static class FilterErrors
{
    /// <summary>Compiles a filter before anything is read; one that does not compile stops the command.</summary>
    public static Func<ScapFilterContext, bool> CompileOrStop(Cmdlet cmdlet, string filter)
    {
        try
        {
            return ScapFieldBinder.Compile(filter);
        }
        catch (FilterSyntaxException ex)
        {
            cmdlet.ThrowTerminatingError(ToErrorRecord(ex));
            throw;
        }
    }

    public static ErrorRecord ToErrorRecord(FilterSyntaxException ex)
    {
        return ErrorRecords.Create(ex, ErrorIds.FilterInvalid, ErrorCategory.InvalidArgument, ex.Filter, ex.Suggestions.Count > 0
            ? "Use one of the suggested fields; Get-ScapField lists them all."
            : "Correct the filter at the marked position; Get-Help Get-ScapEvent -Parameter Filter describes the language.");
    }
}
