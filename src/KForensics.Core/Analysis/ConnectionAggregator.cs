using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Analysis;

/// <summary>
/// sysdig's topconns with -pc: I/O on IPv4/IPv6 sockets summed per container.name, fd.l4proto and fd.name.
/// Rows are kept per container id (names may repeat across containers).
/// </summary>
public sealed class ConnectionAggregator : IoAggregator<ScapConnection>
{
    /// <summary>The filter topconns hands to table_generator.</summary>
    public const string ViewFilter = TopFigures.NetFilter;

    private static readonly Func<ScapFilterContext, string?> GetProtocol = ScapFields.Text("fd.l4proto");
    private static readonly Func<ScapFilterContext, string?> GetName = ScapFields.Text("fd.name");
    private static readonly Func<ScapFilterContext, string?> GetClientIp = ScapFields.Text("fd.cip");
    private static readonly Func<ScapFilterContext, string?> GetServerIp = ScapFields.Text("fd.sip");
    private static readonly Func<ScapFilterContext, long?> GetClientPort = ScapFields.Number("fd.cport");
    private static readonly Func<ScapFilterContext, long?> GetServerPort = ScapFields.Number("fd.sport");
    private static readonly Func<ScapFilterContext, long?> GetIsServer = ScapFields.Number("fd.is_server");

    private readonly Dictionary<(string, string, string), Row> _rows = [];

    public ConnectionAggregator(Func<ScapFilterContext, bool>? userFilter = null)
        : base(ViewFilter, null, userFilter)
    {
    }

    private protected override void Add(in IoEvent io)
    {
        if (GetProtocol(io.Context) is not { } protocol || GetName(io.Context) is not { } name)
        {
            return;
        }

        (string, string, string) key = (io.ContainerId, protocol, name);
        if (!_rows.TryGetValue(key, out Row? row))
        {
            row = new Row(io, protocol, name);
            _rows.Add(key, row);
        }

        row.Add(io);
    }

    public override IReadOnlyList<ScapConnection> Rows(string source)
        => _rows.Values
            .OrderByDescending(r => r.Read + r.Written).ThenBy(r => r.ContainerName, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => new ScapConnection(source, r.ContainerId, r.ContainerName, r.Protocol, r.Name, r.ClientIp, r.ClientPort, r.ServerIp, r.ServerPort,
                r.ProcessName, r.ProcessId, r.Processes.ToArray(), r.ToServer, r.Read + r.Written - r.ToServer, r.Read, r.Written, r.Events,
                ScapTime.ToDateTime(r.First), ScapTime.ToDateTime(r.Last)))
            .ToList();

    private sealed class Row : RowTotals
    {
        public Row(in IoEvent io, string protocol, string name)
            : base(io)
        {
            Protocol = protocol;
            Name = name;
        }

        public string Protocol { get; }

        public string Name { get; }

        public string? ClientIp { get; private set; }

        public string? ServerIp { get; private set; }

        public int? ClientPort { get; private set; }

        public int? ServerPort { get; private set; }

        public long ToServer { get; private set; }

        public override void Add(in IoEvent io)
        {
            base.Add(io);

            // A server-side socket reads what the client sent; a client-side one writes it.
            bool serverSide = GetIsServer(io.Context) == 1;
            if (io.IsRead == serverSide)
            {
                ToServer += io.Bytes;
            }

            // The tuple is known only once the socket is connected; take the first event that has it.
            ClientIp ??= GetClientIp(io.Context);
            ServerIp ??= GetServerIp(io.Context);
            ClientPort ??= (int?)GetClientPort(io.Context);
            ServerPort ??= (int?)GetServerPort(io.Context);
        }
    }
}
