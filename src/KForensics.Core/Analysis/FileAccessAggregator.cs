using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Analysis;

/// <summary>
/// sysdig's topfiles_bytes with -pc: I/O on files summed per container.name and fd.name, plus the
/// successful opens of each file (which the chisel does not count). Rows are kept per container id
/// (names may repeat across containers).
/// </summary>
public sealed class FileAccessAggregator : IoAggregator<ScapFileAccess>
{
    /// <summary>The filter topfiles_bytes hands to table_generator.</summary>
    public const string ViewFilter = TopFigures.FileFilter;

    /// <summary>Successful opens of files: they add a row's Opens, and a row for a file opened but never read or written.</summary>
    public const string OpenFilter = "evt.type in (open, openat, openat2) and evt.dir=< and fd.type=file";

    private static readonly Func<ScapFilterContext, string?> GetName = ScapFields.Text("fd.name");

    private readonly Dictionary<(string, string), Row> _rows = [];

    public FileAccessAggregator(Func<ScapFilterContext, bool>? userFilter = null)
        : base(ViewFilter, OpenFilter, userFilter)
    {
    }

    private protected override void Add(in IoEvent io)
    {
        if (GetName(io.Context) is not { } name)
        {
            return;
        }

        (string, string) key = (io.ContainerId, name);
        if (!_rows.TryGetValue(key, out Row? row))
        {
            row = new Row(io, name);
            _rows.Add(key, row);
        }

        row.Add(io);
    }

    public override IReadOnlyList<ScapFileAccess> Rows(string source)
        => _rows.Values
            .OrderByDescending(r => r.Read + r.Written).ThenBy(r => r.ContainerName, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => new ScapFileAccess(source, r.ContainerId, r.ContainerName, r.Name, r.ProcessName, r.ProcessId, r.Processes.ToArray(),
                r.Read, r.Written, r.Events, r.Opens, ScapTime.ToDateTime(r.First), ScapTime.ToDateTime(r.Last)))
            .ToList();

    private sealed class Row : RowTotals
    {
        public Row(in IoEvent io, string name)
            : base(io)
        {
            Name = name;
        }

        public string Name { get; }
    }
}
