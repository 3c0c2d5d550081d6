using System.Net;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Writing;

/// <summary>A unix socket address for a SOCKADDR parameter.</summary>
public sealed record ScapUnixAddress(string Path);

/// <summary>An IPv4/IPv6 connection for a SOCKTUPLE parameter, in the order the kernel reports it.</summary>
public sealed record ScapSocketTuple(IPEndPoint Source, IPEndPoint Destination);

/// <summary>A unix socket connection for a SOCKTUPLE parameter (kernel pointers and the path).</summary>
public sealed record ScapUnixTuple(ulong Source, ulong Destination, string Path);

/// <summary>A DYN parameter: the index of the alternative in the table, and a value of that type.</summary>
public sealed record ScapDynValue(byte Index, ParamType Type, object? Value);

/// <summary>One entry of an FDLIST parameter (poll/ppoll).</summary>
public readonly record struct ScapPollFd(long Fd, ushort Flags);
