namespace KForensics.Core.Report;

/// <summary>One container's (or the host's) row of the timeline: counts per fine bucket and its command lines.</summary>
internal sealed class TimelineLane
{
    private readonly List<CommandMark> _commands = [];

    public TimelineLane(string id, ActivityHistogram histogram)
    {
        Id = id;
        Name = id.Length == 0 ? "(no thread)" : id;
        Events = histogram.NewSeries();
        FileOpens = histogram.NewSeries();
        Connections = histogram.NewSeries();
    }

    public string Id { get; }

    public string Name { get; private set; }

    public string? Image { get; private set; }

    /// <summary>True once the container's name is known (or it has none to learn: host, no thread).</summary>
    public bool Resolved { get; private set; }

    public long[] Events { get; }

    public long[] FileOpens { get; }

    public long[] Connections { get; }

    public long EventCount { get; private set; }

    public long CommandCount { get; private set; }

    public long FileOpenCount { get; set; }

    public long ConnectionCount { get; set; }

    public ulong First { get; private set; }

    public ulong Last { get; private set; }

    /// <summary>The first <see cref="ActivityTimeline.MaxCommandMarks"/> commands, with their times.</summary>
    public IReadOnlyList<CommandMark> CommandMarks => _commands;

    public void Resolve(string? name, string? image)
    {
        if (Id is "host" or "")
        {
            Name = Id.Length == 0 ? Name : (name ?? Id);
            Resolved = true;
            return;
        }

        if (!string.IsNullOrEmpty(name) && name != Id)
        {
            Name = name;
            Image = string.IsNullOrEmpty(image) ? null : image;
            Resolved = true;
        }
    }

    public void Add(int bucket, ulong timestamp)
    {
        Events[bucket]++;
        EventCount++;
        First = First == 0 ? timestamp : Math.Min(First, timestamp);
        Last = Math.Max(Last, timestamp);
    }

    public void AddCommand(ulong timestamp, long? pid, string? commandLine)
    {
        CommandCount++;
        if (_commands.Count < ActivityTimeline.MaxCommandMarks)
        {
            _commands.Add(new CommandMark(timestamp, pid, commandLine ?? string.Empty));
        }
    }
}

/// <summary>An executed command on the timeline: when, which process, which command line.</summary>
internal readonly record struct CommandMark(ulong Timestamp, long? ProcessId, string CommandLine);
