using System.Management.Automation;
using KForensics.Core.Checkpoints;
using KForensics.Core.Docker;

namespace KForensics.Infrastructure;

/// <summary>
/// Base for the cmdlets that talk to a Docker engine: the engine selection every one of them shares
/// (-DockerHost, -DockerCertPath, else DOCKER_HOST / DOCKER_CERT_PATH, else the local socket), one
/// connection per invocation, and the mapping of engine failures to stable error ids.
/// </summary>
public abstract class DockerCmdlet : AsyncCmdlet
{
    private DockerEngine? _engine;

    /// <summary>unix:///var/run/docker.sock, tcp://host:2376 or npipe://./pipe/docker_engine.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DockerHost { get; set; }

    /// <summary>Directory holding ca.pem, cert.pem and key.pem for a TLS engine.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DockerCertPath { get; set; }

    /// <summary>Connects once; a failure here is a broken invocation, so it terminates.</summary>
    protected async Task<DockerEngine> EngineAsync()
    {
        if (_engine is not null)
        {
            return _engine;
        }

        try
        {
            string? certs = DockerCertPath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(DockerCertPath);
            _engine = await DockerEngine.ConnectAsync(DockerEndpoint.Resolve(DockerHost, certs), CancellationToken, LibraryLog);
            WriteVerbose(ErrorRecords.Format("Docker engine {0}, version {1}, API {2}, experimental {3}.",
                _engine.Info.Endpoint, _engine.Info.Version, _engine.Info.ApiVersion, _engine.Info.Experimental));
            return _engine;
        }
        catch (DockerEngineException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex, DockerHost));
            throw;
        }
    }

    /// <summary>Runs one item's work; a failure of that item is written and the pipeline goes on.</summary>
    protected async Task ForEachItemAsync(object? target, Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (DockerEngineException ex) when (ex.Kind is not (DockerErrorKind.ConnectionFailed or DockerErrorKind.ExperimentalDisabled or DockerErrorKind.InvalidHost))
        {
            WriteError(ToErrorRecord(ex, target));
        }
        catch (DockerEngineException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex, target));
        }
    }

    /// <summary>
    /// Runs checkpoint work that reports from pool threads: its steps become Write-Progress records on the pipeline
    /// thread while it runs, and the bar is completed when it ends, however it ends.
    /// </summary>
    protected async Task<T> WithProgressAsync<T>(string target, Func<IProgress<CheckpointProgress>, Task<T>> work)
    {
        var progress = new QueuedProgress<CheckpointProgress>();
        string activity = MyInvocation.MyCommand.Name;
        bool written = false;
        try
        {
            return await progress.RunAsync(work(progress), p =>
            {
                written = true;
                WriteProgress(new ProgressRecord(1, activity, p.Step) { PercentComplete = p.PercentComplete, CurrentOperation = target });
            });
        }
        finally
        {
            if (written)
            {
                WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    }

    internal static ErrorRecord ToErrorRecord(DockerEngineException ex, object? target)
    {
        (string id, ErrorCategory category) = ex.Kind switch
        {
            DockerErrorKind.InvalidHost => (ErrorIds.DockerHostInvalid, ErrorCategory.InvalidArgument),
            DockerErrorKind.ConnectionFailed => (ErrorIds.DockerConnectionFailed, ErrorCategory.ConnectionError),
            DockerErrorKind.ContainerNotFound => (ErrorIds.ContainerNotFound, ErrorCategory.ObjectNotFound),
            DockerErrorKind.CheckpointNotFound => (ErrorIds.CheckpointNotFound, ErrorCategory.ObjectNotFound),
            DockerErrorKind.ExperimentalDisabled => (ErrorIds.DockerExperimentalDisabled, ErrorCategory.NotEnabled),
            DockerErrorKind.CriuFailed => (ErrorIds.CriuFailed, ErrorCategory.InvalidResult),
            DockerErrorKind.NameInUse => (ErrorIds.ContainerNameInUse, ErrorCategory.ResourceExists),
            DockerErrorKind.ContainerRunning => (ErrorIds.ContainerRunning, ErrorCategory.ResourceBusy),
            DockerErrorKind.ContainerNotRunning => (ErrorIds.ContainerNotRunning, ErrorCategory.InvalidOperation),
            DockerErrorKind.StagingUnavailable => (ErrorIds.CheckpointStagingUnavailable, ErrorCategory.NotImplemented),
            DockerErrorKind.CheckpointFilesUnreachable => (ErrorIds.CheckpointFilesUnreachable, ErrorCategory.ResourceUnavailable),
            DockerErrorKind.ArchiveHashMismatch => (ErrorIds.CheckpointArchiveHashMismatch, ErrorCategory.SecurityError),
            DockerErrorKind.ArchiveUnsafePath => (ErrorIds.CheckpointArchiveUnsafePath, ErrorCategory.SecurityError),
            DockerErrorKind.ArchiveInvalid => (ErrorIds.CheckpointArchiveInvalid, ErrorCategory.InvalidData),
            DockerErrorKind.TargetExists => (ErrorIds.CheckpointExportTargetExists, ErrorCategory.ResourceExists),
            DockerErrorKind.ImageMissing => (ErrorIds.CheckpointImageMissing, ErrorCategory.ObjectNotFound),
            _ => (ErrorIds.DockerApiError, ErrorCategory.NotSpecified),
        };
        return ErrorRecords.WithAdvice(new ErrorRecord(ex, id, category, ex.Target ?? target), AdviceFor(ex));
    }

    // What to type instead, in this module's parameters; the engine's message says what happened.
    private static string? AdviceFor(DockerEngineException ex) => ex.Remedy switch
    {
        DockerRemedy.GiveCloneNetwork => "If they must live, restore with -Network <name> (e.g. -Network bridge), which lets the clone reach what the original could.",
        DockerRemedy.RunOnEngineHost => "Run this on that host, or point -DockerHost at its local socket there.",
        _ => ex.Kind switch
        {
            DockerErrorKind.ContainerRunning => "Stop it first, or restore into a clone with -Name.",
            DockerErrorKind.TargetExists => "Use -Force to replace it.",
            _ => null,
        },
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _engine?.Dispose();
        }

        base.Dispose(disposing);
    }
}
