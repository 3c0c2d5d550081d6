namespace KForensics.Core.Checkpoints;

/// <summary>A container started from a checkpoint: the original or a clone.</summary>
public sealed class RestoredContainer
{
    internal RestoredContainer(string id, string name, string checkpoint, string source, DateTime startedUtc, string state, string engine, bool isClone, string network)
    {
        Network = network;
        Id = id;
        Name = name;
        Checkpoint = checkpoint;
        Source = source;
        StartedUtc = startedUtc;
        State = state;
        Engine = engine;
        IsClone = isClone;
    }

    public string Id { get; }

    public string Name { get; }

    public string Checkpoint { get; }

    /// <summary>The container (or archive) the checkpoint came from.</summary>
    public string Source { get; }

    public DateTime StartedUtc { get; }

    public string State { get; }

    public string Engine { get; }

    public bool IsClone { get; }

    /// <summary>The network the container runs on: "none" for an isolated clone (loopback only), else the network's name.</summary>
    public string Network { get; }

    /// <summary>True when the container has no network but its own loopback.</summary>
    public bool IsIsolated => Network == CloneParameters.IsolatedNetwork;

    public override string ToString() => Name;
}
