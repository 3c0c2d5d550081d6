namespace KForensics.Core.Scap.Export;

/// <summary>A capture written by an export: where, what it holds, and how to recognise it later.</summary>
public sealed class ScapExportResult
{
    public ScapExportResult(string path, ScapExportSummary summary, long bytes, string sha256, bool compressed,
        IReadOnlyList<string> sources, string filter, bool includesEnterEvents, bool includesStateEvents, DateTime timeUtc)
    {
        ArgumentNullException.ThrowIfNull(summary);
        Path = path;
        EventCount = summary.EventCount;
        StateEventCount = summary.StateEventCount;
        ThreadCount = summary.ThreadCount;
        FdCount = summary.FdCount;
        ContainerCount = summary.ContainerCount;
        Bytes = bytes;
        Sha256 = sha256;
        Compressed = compressed;
        Sources = sources;
        Filter = filter;
        IncludesEnterEvents = includesEnterEvents;
        IncludesStateEvents = includesStateEvents;
        TimeUtc = timeUtc;
    }

    /// <summary>Full path of the written capture.</summary>
    public string Path { get; }

    /// <summary>Events written to be shown (including added enter events).</summary>
    public long EventCount { get; }

    /// <summary>Events written state-only: readers apply them to their tables but do not show them.</summary>
    public long StateEventCount { get; }

    /// <summary>Threads in the written process list.</summary>
    public int ThreadCount { get; }

    /// <summary>Entries in the written fd lists.</summary>
    public int FdCount { get; }

    /// <summary>Containers described at the start of the written capture.</summary>
    public int ContainerCount { get; }

    /// <summary>Size of the file as written (compressed when <see cref="Compressed"/>).</summary>
    public long Bytes { get; }

    /// <summary>SHA-256 of the file as written, lower-case hex.</summary>
    public string Sha256 { get; }

    public bool Compressed { get; }

    /// <summary>The captures the events were read from, in the order they were read.</summary>
    public IReadOnlyList<string> Sources { get; }

    public string Filter { get; }

    public bool IncludesEnterEvents { get; }

    /// <summary>Whether later state changes of the exported threads were written state-only (not -NoStateEvents).</summary>
    public bool IncludesStateEvents { get; }

    /// <summary>When the export finished.</summary>
    public DateTime TimeUtc { get; }

    public override string ToString() => Path;
}
