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

    public static string Format(string format, params object?[] args)
        => string.Format(CultureInfo.InvariantCulture, format, args);

    public static ErrorRecord PathNotFound(string path)
        => new(new ItemNotFoundException(Format("Cannot find path '{0}' because it does not exist.", path)),
            ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, path);
}
