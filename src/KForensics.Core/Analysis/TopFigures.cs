using KForensics.Core.Scap.Fields;

namespace KForensics.Core.Analysis;

/// <summary>
/// What sysdig's top* chisels add up per event (topprocs_file/net/errors, topcontainers_file/net/error):
/// the bytes of file and of network I/O, as table_generator sums them (positive results only), and
/// failed calls. The process and container views both count them.
/// </summary>
internal static class TopFigures
{
    /// <summary>The events whose bytes the *_file chisels sum.</summary>
    public const string FileFilter = "fd.type=file and evt.is_io=true";

    /// <summary>The events whose bytes the *_net chisels sum.</summary>
    public const string NetFilter = "(fd.type=ipv4 or fd.type=ipv6) and evt.is_io=true";

    /// <summary>The events the *_error(s) chisels count.</summary>
    public const string ErrorFilter = "evt.failed=true";

    private static readonly Func<ScapFilterContext, bool> IsFile = ScapFieldBinder.Compile(FileFilter);
    private static readonly Func<ScapFilterContext, bool> IsNet = ScapFieldBinder.Compile(NetFilter);
    private static readonly Func<ScapFilterContext, bool> IsError = ScapFieldBinder.Compile(ErrorFilter);
    private static readonly Func<ScapFilterContext, long?> Result = ScapFields.Number("evt.rawarg.res");

    /// <summary>The file bytes, network bytes and failure the event adds.</summary>
    public static (long FileBytes, long NetBytes, bool Failed) Of(ScapFilterContext c)
    {
        long file = 0, net = 0;
        if (IsFile(c) && Result(c) is > 0 and long fileBytes)
        {
            file = fileBytes;
        }
        else if (IsNet(c) && Result(c) is > 0 and long netBytes)
        {
            net = netBytes;
        }

        return (file, net, IsError(c));
    }
}
