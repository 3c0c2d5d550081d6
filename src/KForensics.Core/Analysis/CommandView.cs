using System.Globalization;
using KForensics.Core.Filtering;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Analysis;

/// <summary>
/// sysdig's spy_users chisel: every successful execve, and every chdir of a shell, becomes a row. Like the
/// chisel, the view remembers per pid the shell session it belongs to and how deep below it, learning
/// both from the ancestors of the first command whose parent it has not seen; commands with no shell
/// among their ancestors get no session (the chisel hides them, Sysdig Inspect's Spy Users view shows them).
/// </summary>
public sealed class CommandView : ScapView
{
    /// <summary>The filter spy_users sets.</summary>
    public const string ViewFilter =
        "((evt.type=execve and evt.dir=<) or (evt.type=chdir and evt.dir=< and proc.name contains sh and not proc.name contains sshd)) and evt.failed=false";

    /// <summary>How many ancestors the chisel looks at for a shell (MAX_ANCESTOR_NAVIGATION).</summary>
    public const int MaxAncestors = 16;

    private static readonly Func<ScapFilterContext, bool> Filter = ScapFieldBinder.Compile(ViewFilter);
    private static readonly Func<ScapFilterContext, string?> EventType = ScapFields.Text("evt.type");
    private static readonly Func<ScapFilterContext, string?> UserName = ScapFields.Text("user.name");
    private static readonly Func<ScapFilterContext, long?> UserId = ScapFields.Number("user.uid");
    private static readonly Func<ScapFilterContext, string?> ContainerId = ScapFields.Text("container.id");
    private static readonly Func<ScapFilterContext, string?> ContainerName = ScapFields.Text("container.name");
    private static readonly Func<ScapFilterContext, long?> ProcessId = ScapFields.Number("proc.pid");
    private static readonly Func<ScapFilterContext, long?> ParentId = ScapFields.Number("proc.ppid");
    private static readonly Func<ScapFilterContext, string?> ProcessName = ScapFields.Text("proc.name");
    private static readonly Func<ScapFilterContext, string?> Exe = ScapFields.Text("proc.exe");
    private static readonly Func<ScapFilterContext, string?> Args = ScapFields.Text("proc.args");
    private static readonly Func<ScapFilterContext, string?> Directory = ScapFields.Text("evt.arg.path");
    private static readonly Func<ScapFilterContext, IReadOnlyList<string>?> AncestorNames = ScapFields.Bind("proc.aname").Strings!;
    private static readonly Func<ScapFilterContext, IReadOnlyList<long>?> AncestorPids = ScapFields.Bind("proc.apid").Numbers!;

    // proc.aname[j] and proc.apid[j] for j = 0..16, as the chisel requests them.
    private static readonly Func<ScapFilterContext, string?>[] AncestorName = Enumerable.Range(0, MaxAncestors + 1)
        .Select(j => ScapFields.Bind("proc.aname", j).String!).ToArray();

    private static readonly NumberGetter<ScapFilterContext>[] AncestorPid = Enumerable.Range(0, MaxAncestors + 1)
        .Select(j => ScapFields.Bind("proc.apid", j).Number!).ToArray();

    // pid → (depth, session shell); depth -1 marks a pid known to have no shell ancestor.
    private readonly Dictionary<long, (int Depth, long Shell)> _tree = [];
    private readonly List<Row> _rows = [];

    public CommandView(Func<ScapFilterContext, bool>? userFilter = null)
        : base(userFilter)
    {
    }

    private protected override void Observe(ScapFilterContext context)
    {
        if (!Filter(context) || ProcessId(context) is not long pid)
        {
            return;
        }

        bool chdir = EventType(context) == "chdir";

        // For chdir the chisel takes the shell itself as the parent and its ancestors from proc.aname[0] on.
        long parent = chdir ? pid : ParentId(context) ?? 0;
        int shift = chdir ? 1 : 0;
        if (_tree.TryAdd(parent, (-1, 0)))
        {
            for (int j = 1; j <= MaxAncestors; j++)
            {
                string? name = AncestorName[j - shift](context);
                bool hasPid = AncestorPid[j - shift](context, out long ancestor);
                if (name is null)
                {
                    if (!hasPid)
                    {
                        break;
                    }
                }
                else if (name.EndsWith("sh", StringComparison.Ordinal))
                {
                    // The farthest shell wins: the chisel goes on after a match.
                    _tree[parent] = (_tree.ContainsKey(ancestor) ? j - 1 : 0, ancestor);
                }
            }
        }

        (int Depth, long Shell)? session = null;
        if (_tree[parent].Depth != -1)
        {
            if (!_tree.TryGetValue(pid, out (int Depth, long Shell) own))
            {
                own = (1 + _tree[parent].Depth, _tree[parent].Shell);
                _tree[pid] = own;
            }

            session = (own.Depth - (chdir ? 0 : 1), own.Shell);
        }

        _rows.Add(new Row(
            context.Raw.Timestamp,
            chdir ? "chdir" : "execve",
            UserName(context),
            UserId(context),
            ContainerId(context),
            ContainerName(context),
            pid,
            context.Raw.ThreadId,
            ParentId(context),
            ProcessName(context),
            AncestorNames(context) ?? [],
            AncestorPids(context) ?? [],
            chdir ? "cd" : Exe(context) ?? string.Empty,
            (chdir ? Directory(context) : Args(context)) ?? string.Empty,
            session?.Shell,
            session?.Depth));
    }

    /// <summary>The rows so far, by time (events of one instant keep their order in the capture).</summary>
    public IReadOnlyList<ScapCommand> Rows(string source)
        => _rows.OrderBy(r => r.Timestamp)
            .Select(r => new ScapCommand(source, ScapTime.ToDateTime(r.Timestamp), r.EventType, r.UserName, r.UserId,
                r.ContainerId, r.ContainerName, r.ProcessId, r.ThreadId, r.ParentId, r.ProcessName, r.Ancestors, r.AncestorIds,
                r.Exe, r.Arguments, r.Shell, r.Depth))
            .ToList();

    public override IEnumerable<object> RowObjects(string source) => Rows(source);

    private sealed record Row(ulong Timestamp, string EventType, string? UserName, long? UserId, string? ContainerId, string? ContainerName,
        long ProcessId, long ThreadId, long? ParentId, string? ProcessName, IReadOnlyList<string> Ancestors, IReadOnlyList<long> AncestorIds,
        string Exe, string Arguments, long? Shell, int? Depth);
}
