using System.Management.Automation;
using KForensics.Core.Kubernetes;

namespace KForensics.Infrastructure;

/// <summary>
/// The shared shape of the cmdlets that read captures and write one file from them (Export-ScapEvent,
/// Export-ScapReport): -Path is the file written, as in the other Export- cmdlets; the captures come from
/// -InputPath (wildcards), -LiteralInputPath (files from Get-ChildItem by FullName) or -Capture (pod
/// captures), collected over the whole pipeline; the target is checked before anything is written.
/// </summary>
public abstract class CaptureExportCmdlet : AsyncCmdlet
{
    protected const string InputPathSet = "InputPath";
    protected const string LiteralInputPathSet = "LiteralInputPath";
    protected const string CaptureSet = "Capture";

    private readonly List<string> _sources = [];

    /// <summary>The file to write.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Captures to read; wildcards allowed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputPathSet, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] InputPath { get; set; } = [];

    /// <summary>Captures to read, taken as written; binds FullName of files from the pipeline.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralInputPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralInputPath { get; set; } = [];

    /// <summary>Captures taken from a pod (Start-PodCapture, Get-PodCapture).</summary>
    [Parameter(Mandatory = true, ParameterSetName = CaptureSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public PodCapture[] Capture { get; set; } = [];

    /// <summary>Replace an existing file at -Path.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The captures read, in the order they were given.</summary>
    private protected IReadOnlyList<string> Sources => _sources;

    protected override Task ProcessRecordAsync()
    {
        if (ParameterSetName == CaptureSet)
        {
            foreach (PodCapture capture in Capture)
            {
                _sources.AddRange(PathResolver.Resolve(this, [capture.Path], literal: true));
            }
        }
        else
        {
            bool literal = ParameterSetName == LiteralInputPathSet;
            _sources.AddRange(PathResolver.Resolve(this, literal ? LiteralInputPath : InputPath, literal));
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops the command on a filter that does not compile, before anything is read.</summary>
    private protected void CheckFilter(string filter) => FilterErrors.CompileOrStop(this, filter);

    /// <summary>
    /// The full path of -Path, or a terminating error when it is a directory, one of the captures read, or
    /// an existing file without -Force. <paramref name="what"/> names the file in messages ("capture file").
    /// </summary>
    private protected string ResolveTarget(string what, string targetIsInputId, string targetExistsId)
    {
        string target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (Directory.Exists(target))
        {
            ThrowTerminatingError(ErrorRecords.Create($"'{target}' is a directory; -Path names the {what} to write.",
                ErrorIds.PathIsDirectory, ErrorCategory.InvalidArgument, target));
        }

        if (_sources.Any(s => string.Equals(System.IO.Path.GetFullPath(s), target, StringComparison.Ordinal)))
        {
            ThrowTerminatingError(ErrorRecords.Create($"'{target}' is one of the captures read; write the {what} to another file.",
                targetIsInputId, ErrorCategory.InvalidArgument, target));
        }

        if (File.Exists(target) && !Force.IsPresent)
        {
            ThrowTerminatingError(ErrorRecords.Create($"'{target}' exists; use -Force to replace it.",
                targetExistsId, ErrorCategory.ResourceExists, target));
        }

        return target;
    }
}
