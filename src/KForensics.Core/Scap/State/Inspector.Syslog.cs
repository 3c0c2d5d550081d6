namespace KForensics.Core.Scap.State;

internal sealed partial class Inspector
{
    private const string SyslogDevice = "/dev/log";

    /// <summary>The syslog message the last event wrote (syslog.*): null unless it was a successful write to an fd the decoder follows.</summary>
    public SyslogMessage? Syslog { get; private set; }

    /// <summary>sinsp's syslog decoder on an open, a connect or a fd listed in the capture: it follows the fd's writes when its name holds /dev/log.</summary>
    private static void ListenForSyslog(FdInfo f)
    {
        if (f.Name.Contains(SyslogDevice, StringComparison.Ordinal))
        {
            f.SyslogListeners++;
        }
    }

    /// <summary>
    /// The decoder on a tuple change: it registers again when the name holds /dev/log and drops one
    /// registration otherwise, so an fd that named /dev/log in several sends is still followed after
    /// one send elsewhere.
    /// </summary>
    private static void FollowSyslog(FdInfo f)
    {
        if (f.Name.Contains(SyslogDevice, StringComparison.Ordinal))
        {
            f.SyslogListeners++;
        }
        else if (f.SyslogListeners > 0)
        {
            f.SyslogListeners--;
        }
    }

    private void DecodeSyslog(ReadOnlySpan<byte> data) => Syslog = SyslogMessage.Decode(data);
}
