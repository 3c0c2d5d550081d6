using System.Management.Automation;
using System.Text;
using KForensics.Core.Checkpoints.Inspection;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Searches the memory of a checkpoint's processes for text, a regular expression or bytes, without running it.</summary>
[Cmdlet(VerbsCommon.Search, "CheckpointMemory", DefaultParameterSetName = PathSet)]
[OutputType(typeof(CheckpointMemoryMatch))]
public sealed class SearchCheckpointMemoryCommand : CheckpointInputCmdlet
{
    private MemoryPattern? _pattern;

    /// <summary>Text to find, encoded with -Encoding.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Pattern { get; set; }

    /// <summary>A .NET regular expression over the bytes read as Latin-1 (one character per byte).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Regex { get; set; }

    /// <summary>Bytes to find, any values.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public byte[]? Bytes { get; set; }

    /// <summary>How -Pattern is encoded in memory.</summary>
    [Parameter]
    [ValidateSet("UTF8", "ASCII", "Unicode", "BigEndianUnicode", "UTF32", "Latin1")]
    public string Encoding { get; set; } = "UTF8";

    /// <summary>Only this process.</summary>
    [Parameter]
    [Alias("Pid")]
    public uint? ProcessId { get; set; }

    /// <summary>Bytes of memory to keep on each side of a match (within its mapping).</summary>
    [Parameter]
    [ValidateRange(0, 1 << 20)]
    public int Context { get; set; } = 32;

    private protected override bool NeedsMemory => true;

    protected override Task BeginProcessingAsync()
    {
        int given = (Pattern is null ? 0 : 1) + (Regex is null ? 0 : 1) + (Bytes is null ? 0 : 1);
        if (given != 1)
        {
            ThrowTerminatingError(ErrorRecords.Create("Give exactly one of -Pattern, -Regex and -Bytes.", ErrorIds.MemoryPatternInvalid, ErrorCategory.InvalidArgument, null));
        }

        try
        {
            _pattern = Pattern is not null ? MemoryPattern.Literal(EncodingOf(Encoding).GetBytes(Pattern), Pattern)
                : Regex is not null ? MemoryPattern.Expression(Regex)
                : MemoryPattern.Literal(Bytes!, Convert.ToHexString(Bytes!));
        }
        catch (ArgumentException ex)
        {
            ThrowTerminatingError(ErrorRecords.Create(ex, ErrorIds.MemoryPatternInvalid, ErrorCategory.InvalidArgument, Regex ?? Pattern));
        }

        return Task.CompletedTask;
    }

    private protected override Task InspectAsync(CheckpointInspector checkpoint)
    {
        var processes = checkpoint.MemoryProcesses(ProcessId);
        long total = Math.Max(1, processes.Sum(p => checkpoint.SavedMemory(p.ProcessId)));
        long done = 0;
        var progress = new ProgressRecord(1, "Searching checkpoint memory", checkpoint.Path);
        foreach ((uint pid, string command) in processes)
        {
            long before = done;
            var report = new SynchronousProgress(bytes =>
            {
                done = before + bytes;
                progress.PercentComplete = (int)Math.Min(100, done * 100 / total);
                progress.StatusDescription = ErrorRecords.Format("{0}: process {1} ({2}), {3:N0} of {4:N0} bytes", checkpoint.Path, pid, command, done, total);
                WriteProgress(progress);
            });
            foreach (CheckpointMemoryMatch match in checkpoint.SearchMemory(pid, command, _pattern!, Context, report, CancellationToken))
            {
                WriteObject(match);
            }
        }

        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
        return Task.CompletedTask;
    }

    private static Encoding EncodingOf(string name) => name switch
    {
        "ASCII" => System.Text.Encoding.ASCII,
        "Unicode" => System.Text.Encoding.Unicode,
        "BigEndianUnicode" => System.Text.Encoding.BigEndianUnicode,
        "UTF32" => System.Text.Encoding.UTF32,
        "Latin1" => System.Text.Encoding.Latin1,
        _ => new UTF8Encoding(false),
    };
}
