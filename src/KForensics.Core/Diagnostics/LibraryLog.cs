using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace KForensics.Core.Diagnostics;

/// <summary>How much a library's log line matters: the cmdlet layer shows Debug lines with -Debug, the others with -Verbose.</summary>
public enum LibraryLogLevel
{
    Debug,
    Information,
    Warning,
}

/// <summary>
/// Where the libraries the engine drives (KubernetesClient's requests, Docker.DotNet, the Azure SDK) write their own
/// logs. Any thread may write; the receiver decides where the lines go.
/// </summary>
public sealed class LibraryLog
{
    private readonly Action<LibraryLogLevel, string, string> _write;

    /// <param name="write">Called with the level, the library ("KubernetesClient", "Docker", "Azure") and the line.</param>
    public LibraryLog(Action<LibraryLogLevel, string, string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        _write = write;
    }

    /// <summary>A log that drops every line.</summary>
    public static LibraryLog None { get; } = new((_, _, _) => { });

    public void Write(LibraryLogLevel level, string source, string message) => _write(level, source, message);

    /// <summary>The log as an ILogger, for a library that takes one.</summary>
    internal ILogger AsLogger(string source) => new Logger(this, source);

    /// <summary>An HTTP handler that writes one Debug line per request: method, address, status and time, or the failure.</summary>
    internal DelegatingHandler RequestHandler(string source) => new RequestLogger(this, source);

    private sealed class Logger(LibraryLog log, string source) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string text = formatter(state, exception) + (exception is null ? string.Empty : " (" + exception.Message + ")");
            log.Write(logLevel >= LogLevel.Warning ? LibraryLogLevel.Warning : logLevel == LogLevel.Information ? LibraryLogLevel.Information : LibraryLogLevel.Debug,
                source, text);
        }
    }

    private sealed class RequestLogger(LibraryLog log, string source) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            long start = Stopwatch.GetTimestamp();
            try
            {
                HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                log.Write(LibraryLogLevel.Debug, source, string.Format(CultureInfo.InvariantCulture, "{0} {1} {2} ({3:0} ms)",
                    request.Method, request.RequestUri, (int)response.StatusCode, Stopwatch.GetElapsedTime(start).TotalMilliseconds));
                return response;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.Write(LibraryLogLevel.Debug, source, string.Format(CultureInfo.InvariantCulture, "{0} {1} failed: {2}", request.Method, request.RequestUri, e.Message));
                throw;
            }
        }
    }
}
