namespace KForensics.Core.Checkpoints;

/// <summary>How far a checkpoint export or import is: the step, and the bytes of the checkpoint done of those to do.</summary>
public readonly record struct CheckpointProgress(string Step, long Done, long Total)
{
    public int PercentComplete => Total <= 0 ? 0 : (int)Math.Clamp(Done * 100 / Total, 0, 100);
}
