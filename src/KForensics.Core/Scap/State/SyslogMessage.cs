namespace KForensics.Core.Scap.State;

/// <summary>
/// What sinsp's syslog decoder took from one write to a /dev/log fd: the priority between the
/// leading &lt; and &gt;, split into facility and severity, and the text after it. It holds for
/// the write's exit event only; the next event clears it.
/// </summary>
internal sealed class SyslogMessage
{
    private static readonly string[] Severities = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"];

    private static readonly string[] Facilities =
    [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "clock", "authpriv", "ftp", "ntp",
        "logaudit", "logalert", "cron", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];

    private SyslogMessage(int priority, string message)
    {
        Facility = unchecked((uint)(priority >> 3));
        Severity = (uint)(priority & 0x07);
        Message = message;
    }

    /// <summary>syslog.facility: the priority shifted right by three, as an unsigned number (a negative priority gives a large one).</summary>
    public uint Facility { get; }

    public uint Severity { get; }

    public string Message { get; }

    /// <summary>syslog.facility.str: the facility's name, or the text &lt;NA&gt; beyond local7.</summary>
    public string FacilityName => Facility < Facilities.Length ? Facilities[Facility] : "<NA>";

    public string SeverityName => Severities[Severity];

    /// <summary>
    /// sinsp_decoder_syslog::on_write: the priority is the digits after the first byte (whatever it is)
    /// up to '>', a NUL or 15 bytes; it must be non-empty, all digits (summed in 32 bits, wrapping), and
    /// the data must hold two more bytes than it. The message is the data after the priority and the
    /// byte after it, up to its first NUL (sysdig reads it as a C string).
    /// </summary>
    public static SyslogMessage? Decode(ReadOnlySpan<byte> data)
    {
        const int MaxDigits = 15;
        int j = 0;
        for (int i = 1; i < data.Length && data[i] != (byte)'>' && data[i] != 0 && j < MaxDigits; i++)
        {
            j++;
        }

        if (j == 0 || data.Length < j + 2)
        {
            return null;
        }

        int priority = 0;
        foreach (byte b in data.Slice(1, j))
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return null;
            }

            priority = unchecked((priority * 10) + (b - '0'));
        }

        // sinsp keeps -1 as "no message": a priority that wraps to it decodes to nothing.
        return priority == -1 ? null : new SyslogMessage(priority, Format.Params.CStr(data[(j + 2)..]));
    }
}
