using System.Diagnostics.CodeAnalysis;

namespace KForensics.Core.Scap.Decoding;

/// <summary>
/// What the text of an event needs from the state tracker, captured at the time of the event
/// (after the event itself has been applied, as sysdig formats it after parsing).
/// </summary>
internal interface IEventContext
{
    /// <summary>Thread cwd at the time of the event (for relative paths); null if unknown.</summary>
    string? Cwd { get; }

    /// <summary>
    /// fd lookup at the time of the event: <paramref name="typeTag"/> is what sysdig prints between
    /// &lt; and &gt; ("f", "d", "4t", "4u", "6t", "u", "p", "e", "s", "l", "i", "t", "n", ...),
    /// <paramref name="name"/> is fd.name.
    /// </summary>
    bool TryGetFd(long fd, out string typeTag, out string name);

    /// <summary>
    /// False when sysdig has no thread for the event: then fds print as bare numbers and paths
    /// are not resolved.
    /// </summary>
    bool HasThread => true;

    /// <summary>comm of a thread in the thread table (sysdig prints it after PID params).</summary>
    bool TryGetThreadName(long tid, [NotNullWhen(true)] out string? comm)
    {
        comm = null;
        return false;
    }

    /// <summary>User name of a uid (the capture's user list); without one sysdig prints &lt;NA&gt;.</summary>
    bool TryGetUserName(uint uid, [NotNullWhen(true)] out string? name)
    {
        name = null;
        return false;
    }

    /// <summary>Group name of a gid (the capture's user list); without one sysdig prints &lt;NA&gt;.</summary>
    bool TryGetGroupName(uint gid, [NotNullWhen(true)] out string? name)
    {
        name = null;
        return false;
    }
}
