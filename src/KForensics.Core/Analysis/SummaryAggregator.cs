using KForensics.Core.Scap.Fields;

namespace KForensics.Core.Analysis;

/// <summary>
/// Sysdig Inspect's overview of a capture, counted the way its wsysdig_summary chisel counts it: the
/// chisel's event callback for the I/O, connection, command and error tiles, its samples of the process
/// and container tables for the running processes and containers (<c>SummaryAggregator.Sampling.cs</c>),
/// and a few figures Inspect lacks (events, file opens, users, login shells) over the events sysdig prints.
/// </summary>
public sealed partial class SummaryAggregator : ScapView
{
    /// <summary>What the login-shell figure counts: sysdig's list_login_shells chisel keeps execve events with a shell id and an exe.</summary>
    public const string LoginShellFilter = "evt.type=execve and proc.loginshellid exists and evt.arg.exe exists";

    /// <summary>What the error figure counts.</summary>
    public const string ErrorFilter = TopFigures.ErrorFilter;

    /// <summary>EINPROGRESS: a non-blocking connect under way, which Inspect does not count as a failure.</summary>
    private const long InProgress = -115;

    private static readonly Func<ScapFilterContext, string?> Type = ScapFields.Text("evt.type");
    private static readonly Func<ScapFilterContext, long?> RawResult = ScapFields.Number("evt.rawres");
    private static readonly Func<ScapFilterContext, long?> IsWrite = ScapFields.Number("evt.is_io_write");
    private static readonly Func<ScapFilterContext, long?> IsRead = ScapFields.Number("evt.is_io_read");
    private static readonly Func<ScapFilterContext, string?> FdType = ScapFields.Text("fd.type");
    private static readonly Func<ScapFilterContext, string?> FdName = ScapFields.Text("fd.name");
    private static readonly Func<ScapFilterContext, string?> FdContainerName = ScapFields.Text("fd.containername");
    private static readonly Func<ScapFilterContext, long?> BufferLength = ScapFields.Number("evt.buflen");
    private static readonly Func<ScapFilterContext, long?> ServerPort = ScapFields.Number("fd.sport");
    private static readonly Func<ScapFilterContext, string?> ParentName = ScapFields.Text("proc.pname");
    private static readonly Func<ScapFilterContext, string?> Exe = ScapFields.Text("evt.arg.exe");
    private static readonly Func<ScapFilterContext, string?> Signal = ScapFields.Text("evt.arg.sig");
    private static readonly Func<ScapFilterContext, string?> UserName = ScapFields.Text("user.name");
    private static readonly Func<ScapFilterContext, long?> LoginShellId = ScapFields.Number("proc.loginshellid");
    private static readonly Func<ScapFilterContext, bool> IsFileOpen = ScapFieldBinder.Compile(FileAccessAggregator.OpenFilter);
    private static readonly Func<ScapFilterContext, bool> IsError = ScapFieldBinder.Compile(ErrorFilter);
    private static readonly Func<ScapFilterContext, bool> IsLoginShellExec = ScapFieldBinder.Compile(LoginShellFilter);

    private static readonly string[] SystemDirectories = ["/bin/", "/sbin/", "/boot/", "/etc/", "/lib", "/usr/bin/", "/usr/sbin/", "/usr/share/", "/usr/lib"];

    private readonly SummaryTotals _t = new();
    private readonly HashSet<string> _accessedFiles = new(StringComparer.Ordinal);
    private readonly HashSet<string> _modifiedFiles = new(StringComparer.Ordinal);
    private readonly HashSet<string> _modifiedSystemFiles = new(StringComparer.Ordinal);
    private readonly HashSet<string> _connections = new(StringComparer.Ordinal);
    private readonly HashSet<long> _listeningPorts = [];
    private readonly List<string> _users = [];
    private readonly HashSet<string> _userSet = new(StringComparer.Ordinal);
    private readonly HashSet<long> _loginShells = [];

    public SummaryAggregator(Func<ScapFilterContext, bool>? userFilter = null)
        : base(userFilter)
    {
    }

    private protected override bool FollowsChiselLoop => true;

    private protected override void Observe(ScapFilterContext c)
    {
        CountAsChisel(c);
        if (!c.Hidden)
        {
            CountPrinted(c);
        }
    }

    /// <summary>wsysdig_summary's on_event, for every event its loop gets that passes the filter.</summary>
    private void CountAsChisel(ScapFilterContext c)
    {
        _t.SystemCalls++;
        if (c.Info.IsEnter)
        {
            if (Type(c) == "signaldeliver")
            {
                _t.Signals++;
                if (Signal(c) == "SIGSEGV")
                {
                    _t.Segfaults++;
                }
            }

            return;
        }

        string? type = Type(c);
        long? result = RawResult(c);
        if (result is not >= 0)
        {
            CountFailure(c, type, result);
            return;
        }

        bool write = IsWrite(c) == 1;
        if (write || IsRead(c) == 1)
        {
            CountIo(c, write);
            return;
        }

        switch (type)
        {
            case "execve":
                _t.ExecutedCommands++;
                if (ParentName(c) is { } parent && parent.Contains("bash", StringComparison.Ordinal))
                {
                    _t.InteractiveCommands++;
                }

                if (Exe(c) == "sudo")
                {
                    _t.SudoInvocations++;
                }

                break;
            case "bind":
                if (ServerPort(c) is { } bound)
                {
                    _listeningPorts.Add(bound);
                    _t.NewListeningPorts++;
                }

                break;
            case "connect":
                CountConnection(c, inbound: false);
                break;
            case "accept":
                CountConnection(c, inbound: true);
                break;
            case "unlink" or "unlinkat":
                _t.DeletedFiles++;
                break;
            case "symlink" or "symlinkat":
                _t.NewSymlinks++;
                break;
            case "clone" or "fork":
                if (result > 0)
                {
                    _t.Forks++;
                }

                break;
            case "setns":
                _t.SetnsInvocations++;
                break;
        }
    }

    private void CountFailure(ScapFilterContext c, string? type, long? result)
    {
        switch (type)
        {
            case "connect":
                CountConnection(c, inbound: false);
                if (result != InProgress && FdType(c) is "ipv4" or "ipv6")
                {
                    _t.FailedConnections++;
                }

                break;
            case "accept":
                CountConnection(c, inbound: true);
                break;
            case "open":
                _t.FileOpenErrors++;
                break;
        }
    }

    private void CountConnection(ScapFilterContext c, bool inbound)
    {
        if (ServerPort(c) is not { } port)
        {
            return;
        }

        if (inbound)
        {
            _t.InboundConnections++;
        }
        else
        {
            _t.OutboundConnections++;
        }

        if (port == 22)
        {
            _t.SshConnections++;
        }
    }

    private void CountIo(ScapFilterContext c, bool write)
    {
        string? fdType = FdType(c);
        if (fdType == "file")
        {
            long bytes = BufferLength(c) ?? 0;
            string? key = FdContainerName(c);
            if (key is not null)
            {
                _accessedFiles.Add(key);
            }

            if (write)
            {
                if (key is not null)
                {
                    _modifiedFiles.Add(key);
                }

                _t.FileBytesWritten += bytes;
                if (FdName(c) is { } name && IsSystemFile(name))
                {
                    _modifiedSystemFiles.Add(name);
                }
            }
            else
            {
                _t.FileBytesRead += bytes;
            }
        }
        else if (fdType is "ipv4" or "ipv6")
        {
            long bytes = BufferLength(c) ?? 0;
            if (FdContainerName(c) is { } key)
            {
                _connections.Add(key);
            }

            if (write)
            {
                _t.NetBytesOut += bytes;
            }
            else
            {
                _t.NetBytesIn += bytes;
            }
        }
    }

    private static bool IsSystemFile(string name)
    {
        foreach (string prefix in SystemDirectories)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The figures over the events sysdig prints.</summary>
    private void CountPrinted(ScapFilterContext c)
    {
        ulong ts = c.Raw.Timestamp;
        _t.First ??= ts;
        _t.Last = ts;
        _t.Events++;
        if (UserName(c) is { } user && _userSet.Add(user))
        {
            _users.Add(user);
        }

        if (IsError(c))
        {
            _t.Errors++;
        }

        if (IsFileOpen(c))
        {
            _t.FileOpens++;
        }

        if (IsLoginShellExec(c) && LoginShellId(c) is { } shell)
        {
            _loginShells.Add(shell);
        }
    }

    /// <summary>The summary so far.</summary>
    public ScapSummary Summary(string source)
    {
        FinishSampling();
        _t.AccessedFiles = _accessedFiles.Count;
        _t.ModifiedFiles = _modifiedFiles.Count;
        _t.ModifiedSystemFiles = _modifiedSystemFiles.Count;
        _t.ActiveConnections = _connections.Count;
        _t.ListeningPorts = _listeningPorts.Count;
        _t.UserNames = _users.ToArray();
        _t.LoginShells = _loginShells.Count;
        _t.Processes = _sampledProcesses.Count;
        _t.Containers = _sampledContainers.Count;
        return new ScapSummary(source, _t);
    }

    /// <summary>The summary, or nothing when the file never opened as a capture.</summary>
    public override IEnumerable<object> RowObjects(string source) => _state is null ? [] : [Summary(source)];
}
