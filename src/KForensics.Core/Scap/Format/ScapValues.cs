using System.Globalization;
using System.Net;

namespace KForensics.Core.Scap.Format;

/// <summary>A socket tuple of an IP socket (<c>PT_SOCKTUPLE</c>), client side first as the kernel reported it.</summary>
public sealed record IpTuple(IPEndPoint Source, IPEndPoint Destination)
{
    public override string ToString() => $"{Format(Source)}->{Format(Destination)}";

    private static string Format(IPEndPoint end) => string.Create(CultureInfo.InvariantCulture, $"{end.Address}:{end.Port}");
}

/// <summary>A socket tuple of a unix socket: the kernel addresses of both ends and the path.</summary>
public sealed record UnixTuple(ulong Source, ulong Destination, string Path)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Source:x}->{Destination:x} {Path}");
}

/// <summary>One entry of a poll fd list (<c>PT_FDLIST</c>).</summary>
public readonly record struct PollFd(long Fd, short Events);
