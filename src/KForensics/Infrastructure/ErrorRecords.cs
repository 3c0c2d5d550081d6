using System.Globalization;
using System.Management.Automation;

namespace KForensics.Infrastructure;

/// <summary>Builds error records with invariant messages, stable ids and the cause kept.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord Create(Exception exception, string errorId, ErrorCategory category, object? target)
        => new(exception, errorId, category, target);

    /// <summary>An error record whose details keep the exception's message and say what to do about it.</summary>
    public static ErrorRecord Create(Exception exception, string errorId, ErrorCategory category, object? target, string recommendedAction)
        => new(exception, errorId, category, target) { ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = recommendedAction } };

    public static ErrorRecord Create(string message, string errorId, ErrorCategory category, object? target, Exception? inner = null)
        => new(new InvalidOperationException(message, inner), errorId, category, target);

    /// <summary>
    /// The engine says what happened in its own terms; what to type instead is the cmdlet layer's to say: appended to
    /// the message the user sees and kept as the recommended action. A record without advice is returned as it is.
    /// </summary>
    public static ErrorRecord WithAdvice(ErrorRecord record, string? advice)
    {
        if (string.IsNullOrEmpty(advice))
        {
            return record;
        }

        string shown = record.ErrorDetails?.Message is { Length: > 0 } message ? message : record.Exception.Message;
        record.ErrorDetails = new ErrorDetails(shown + " " + advice) { RecommendedAction = advice };
        return record;
    }

    public static string Format(string format, params object?[] args)
        => string.Format(CultureInfo.InvariantCulture, format, args);

    public static ErrorRecord PathNotFound(string path)
        => new(new ItemNotFoundException(Format("Cannot find path '{0}' because it does not exist.", path)),
            ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, path);
}
