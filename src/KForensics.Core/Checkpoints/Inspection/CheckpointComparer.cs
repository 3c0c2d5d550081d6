using System.Globalization;

namespace KForensics.Core.Checkpoints.Inspection;

/// <summary>One thing that differs between two checkpoints.</summary>
public sealed class CheckpointDifference
{
    internal CheckpointDifference(string category, string change, uint? processId, string process, string item, string? referenceValue, string? differenceValue)
    {
        Category = category;
        Change = change;
        ProcessId = processId;
        Process = process;
        Item = item;
        ReferenceValue = referenceValue;
        DifferenceValue = differenceValue;
    }

    /// <summary>Process, CommandLine, State, Memory, File, Socket or FileSystem.</summary>
    public string Category { get; }

    /// <summary>Added (only in the difference checkpoint), Removed (only in the reference) or Changed.</summary>
    public string Change { get; }

    /// <summary>Compare-Object's arrow: '=&gt;' added, '&lt;=' removed, '&lt;&gt;' changed.</summary>
    public string SideIndicator => Change switch { "Added" => "=>", "Removed" => "<=", _ => "<>" };

    public uint? ProcessId { get; }

    public string Process { get; }

    /// <summary>What differs: the process's command, the descriptor and path, the socket, the file's path.</summary>
    public string Item { get; }

    public string? ReferenceValue { get; }

    public string? DifferenceValue { get; }

    public override string ToString() => SideIndicator + " " + Category + " " + Item;
}

/// <summary>
/// Compares two checkpoints as checkpointctl diff does, and a little more: processes started and ended
/// (by pid and comm), command lines and states changed, memory size changes, descriptors and sockets
/// opened and closed, and filesystem changes that differ.
/// </summary>
internal static class CheckpointComparer
{
    public static async IAsyncEnumerable<CheckpointDifference> CompareAsync(CheckpointInspector reference, CheckpointInspector difference,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var left = reference.Processes(null, true, cancellationToken).ToDictionary(p => (p.ProcessId, p.Command));
        var right = difference.Processes(null, true, cancellationToken).ToDictionary(p => (p.ProcessId, p.Command));
        foreach (var (key, p) in left.Where(kv => !right.ContainsKey(kv.Key)))
        {
            yield return new("Process", "Removed", key.ProcessId, key.Command, Label(p), p.CommandLine, null);
        }

        foreach (var (key, p) in right.Where(kv => !left.ContainsKey(kv.Key)))
        {
            yield return new("Process", "Added", key.ProcessId, key.Command, Label(p), null, p.CommandLine);
        }

        foreach (var (key, a) in left.Where(kv => right.ContainsKey(kv.Key)).OrderBy(kv => kv.Key.ProcessId))
        {
            CheckpointProcess b = right[key];
            if (a.CommandLine != b.CommandLine)
            {
                yield return new("CommandLine", "Changed", key.ProcessId, key.Command, Label(a), a.CommandLine, b.CommandLine);
            }

            if (a.State != b.State)
            {
                yield return new("State", "Changed", key.ProcessId, key.Command, Label(a), a.State.ToString(), b.State.ToString());
            }

            if (a.MemorySize != b.MemorySize)
            {
                yield return new("Memory", "Changed", key.ProcessId, key.Command, Label(a),
                    a.MemorySize.ToString(CultureInfo.InvariantCulture), b.MemorySize.ToString(CultureInfo.InvariantCulture));
            }

            foreach (string name in a.Environment.Keys.Union(b.Environment.Keys).Order(StringComparer.Ordinal))
            {
                a.Environment.TryGetValue(name, out string? x);
                b.Environment.TryGetValue(name, out string? y);
                if (x != y)
                {
                    yield return new("Environment", x is null ? "Added" : y is null ? "Removed" : "Changed", key.ProcessId, key.Command, name, x, y);
                }
            }
        }

        foreach (CheckpointDifference d in Sets("File", reference.Files(null, cancellationToken), difference.Files(null, cancellationToken),
            f => (f.ProcessId, f.Process, f.Fd + " " + f.Path)))
        {
            yield return d;
        }

        foreach (CheckpointDifference d in Sets("Socket", reference.Sockets(null, cancellationToken), difference.Sockets(null, cancellationToken),
            s => (s.ProcessId, s.Process, s.Fd + " " + s)))
        {
            yield return d;
        }

        var before = new Dictionary<string, CheckpointFileChange>(StringComparer.Ordinal);
        await foreach (CheckpointFileChange c in reference.FileChanges(cancellationToken).ConfigureAwait(false))
        {
            before[c.Path] = c;
        }

        var after = new Dictionary<string, CheckpointFileChange>(StringComparer.Ordinal);
        await foreach (CheckpointFileChange c in difference.FileChanges(cancellationToken).ConfigureAwait(false))
        {
            after[c.Path] = c;
        }

        foreach (string path in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            before.TryGetValue(path, out CheckpointFileChange? x);
            after.TryGetValue(path, out CheckpointFileChange? y);
            string? a = x is null ? null : x.Change + " " + (x.Sha256 ?? x.Type);
            string? b = y is null ? null : y.Change + " " + (y.Sha256 ?? y.Type);
            if (a != b)
            {
                yield return new("FileSystem", x is null ? "Added" : y is null ? "Removed" : "Changed", null, string.Empty, path, a, b);
            }
        }
    }

    private static string Label(CheckpointProcess p) => p.Arguments.Count > 0 ? p.CommandLine : p.Command;

    private static IEnumerable<CheckpointDifference> Sets<T>(string category, IEnumerable<T> reference, IEnumerable<T> difference,
        Func<T, (uint Pid, string Process, string Item)> key)
    {
        var left = reference.Select(key).ToHashSet();
        var right = difference.Select(key).ToHashSet();
        foreach (var k in left.Where(k => !right.Contains(k)).OrderBy(k => k.Pid).ThenBy(k => k.Item, StringComparer.Ordinal))
        {
            yield return new(category, "Removed", k.Pid, k.Process, k.Item, k.Item, null);
        }

        foreach (var k in right.Where(k => !left.Contains(k)).OrderBy(k => k.Pid).ThenBy(k => k.Item, StringComparer.Ordinal))
        {
            yield return new(category, "Added", k.Pid, k.Process, k.Item, null, k.Item);
        }
    }
}
