using System.Diagnostics.Tracing;
using Azure.Core.Diagnostics;
using KForensics.Core.Diagnostics;

namespace KForensics.Core.Evidence.Storage;

/// <summary>The Azure SDK's own log (its event sources: requests, responses, retries, sign-in) into a <see cref="LibraryLog"/>.</summary>
public static class AzureSdkLog
{
    /// <summary>
    /// Listens until disposed: warnings and errors as Warning lines, the informational events (one per request and
    /// response, each retry) as Debug lines. The SDK's event sources are process-wide, so the listener hears every
    /// Azure client in the process while it lives.
    /// </summary>
    public static IDisposable Listen(LibraryLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        return new AzureEventSourceListener(
            (e, message) => log.Write(e.Level <= EventLevel.Warning ? LibraryLogLevel.Warning : LibraryLogLevel.Debug, "Azure", message), EventLevel.Informational);
    }
}
