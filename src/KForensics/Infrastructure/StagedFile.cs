using System.Management.Automation;

namespace KForensics.Infrastructure;

/// <summary>
/// Writes a file next to its target under a temporary name and moves it over the target when complete,
/// so a failed or stopped write leaves neither a half file nor the temporary one. The Export- cmdlets that
/// write one file from captures share it; each keeps its own write-failed error id.
/// </summary>
internal static class StagedFile
{
    /// <summary>
    /// Writes the target through <paramref name="write"/>; a failure to write it (a full disk, a read-only folder) is
    /// written as a non-terminating error with <paramref name="writeFailedId"/> and the method returns false.
    /// </summary>
    public static bool TryWrite<T>(PSCmdlet cmdlet, string target, string writeFailedId, Func<Stream, T> write, out T? result)
    {
        string staging = target + "." + Guid.NewGuid().ToString("N")[..8] + ".partial";
        try
        {
            using (var stream = new FileStream(staging, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                result = write(stream);
            }

            File.Move(staging, target, overwrite: true);
            return true;
        }
        catch (Exception ex) when (IsWriteFailure(ex))
        {
            cmdlet.WriteError(WriteFailed(target, writeFailedId, ex));
            result = default;
            return false;
        }
        finally
        {
            File.Delete(staging);
        }
    }

    /// <summary>The failures that mean the target could not be written (as opposed to bad input or a stop).</summary>
    public static bool IsWriteFailure(Exception ex) => ex is IOException or UnauthorizedAccessException;

    public static ErrorRecord WriteFailed(string target, string writeFailedId, Exception ex)
        => ErrorRecords.Create($"Cannot write '{target}': {ex.Message}", writeFailedId, ErrorCategory.WriteError, target, ex);
}
