using System.Net;
using System.Net.Sockets;
using System.Text;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Writing;

/// <summary>The metadata blocks of a 1.2 capture, laid out as scap-format.md §3–§8 describes them.</summary>
internal static class MetadataBlocks
{
    private const int HostnameSize = 128;

    public static BlockBuilder SectionHeader()
    {
        var block = new BlockBuilder(BlockTypes.Shb);
        block.U32(BlockTypes.ByteOrderMagic);
        block.U16(1);
        block.U16(2);
        block.I64(-1);
        return block;
    }

    public static BlockBuilder Machine(ScapMachineInfo info)
    {
        var block = new BlockBuilder(BlockTypes.Mi);
        block.U32(info.CpuCount);
        block.U64(info.MemoryBytes);
        block.U64(0);
        byte[] name = new byte[HostnameSize];
        Encoding.UTF8.GetBytes(info.Hostname.AsSpan(0, Math.Min(info.Hostname.Length, HostnameSize - 1)), name);
        block.Bytes(name);
        block.U64(info.BootTimeNs);
        block.U64(0);
        block.U64(0);
        block.U64(0);
        return block;
    }

    // IL_V2 entry lengths exclude their own 4 bytes, unlike the other V2 lists.
    public static BlockBuilder Interfaces(IReadOnlyList<ScapInterface> interfaces)
    {
        var block = new BlockBuilder(BlockTypes.IlV2);
        foreach (ScapInterface entry in interfaces)
        {
            int lengthAt = block.Placeholder32();
            int start = block.Length;
            bool v6 = entry.Address.AddressFamily == AddressFamily.InterNetworkV6;
            byte[] name = Encoding.UTF8.GetBytes(entry.Name);
            block.U16(v6 ? (ushort)2 : (ushort)1);
            block.U16((ushort)name.Length);
            block.Address(entry.Address);
            block.Address(entry.Netmask);
            block.Address(entry.Broadcast ?? Broadcast(entry.Address, entry.Netmask));
            block.U64(0);
            block.Bytes(name);
            block.Patch32(lengthAt, (uint)(block.Length - start));
        }

        return block;
    }

    public static BlockBuilder Users(IReadOnlyList<ScapUser> users, IReadOnlyList<ScapGroup> groups)
    {
        var block = new BlockBuilder(BlockTypes.UlV2);
        foreach (ScapUser user in users)
        {
            int lengthAt = block.Placeholder32();
            block.U8(0);
            block.U32(user.Uid);
            block.U32(user.Gid);
            block.Str16(user.Name);
            block.Str16(user.HomeDirectory);
            block.Str16(user.Shell);
            block.Patch32(lengthAt, (uint)(block.Length - lengthAt));
        }

        foreach (ScapGroup group in groups)
        {
            int lengthAt = block.Placeholder32();
            block.U8(1);
            block.U32(group.Gid);
            block.Str16(group.Name);
            block.Patch32(lengthAt, (uint)(block.Length - lengthAt));
        }

        return block;
    }

    public static BlockBuilder Threads(IReadOnlyList<ScapThread> threads)
    {
        var block = new BlockBuilder(BlockTypes.PlV9);
        foreach (ScapThread t in threads)
        {
            int lengthAt = block.Placeholder32();
            block.I64(t.Tid);
            block.I64(t.Pid);
            block.I64(t.ParentTid);
            block.I64(t.Sid);
            block.I64(t.Vpgid);
            block.Str16(t.Comm);
            block.Str16(t.Exe);
            block.Str16(t.ExePath);
            block.List16(t.Args);
            block.Str16(t.Cwd);
            block.U64(t.FdLimit);
            block.U32(t.Flags);
            block.U32(t.Uid);
            block.U32(t.Gid);
            block.U32(t.VmSizeKb);
            block.U32(t.VmRssKb);
            block.U32(0);
            block.U64(0);
            block.U64(0);
            block.List16(t.Env);
            block.I64(t.Vtid);
            block.I64(t.Vpid);
            block.List16(t.Cgroups);
            block.Str16(t.Root);

            // The libs >= 0.10 tail: pidns_init_start_ts, tty, loginuid, exe_writable, three capability sets.
            block.U64(0);
            block.U32(0);
            block.U32(uint.MaxValue);
            block.U8(0);
            block.U64(0);
            block.U64(0);
            block.U64(0);
            block.Patch32(lengthAt, (uint)(block.Length - lengthAt));
        }

        return block;
    }

    public static BlockBuilder Fds(long tid, IReadOnlyList<ScapFd> fds)
    {
        var block = new BlockBuilder(BlockTypes.FdlV2);
        block.I64(tid);
        foreach (ScapFd fd in fds)
        {
            int lengthAt = block.Placeholder32();
            block.I64(fd.Fd);
            block.U64(fd.Inode);
            block.U8((byte)fd.Type);
            WriteFdPayload(block, fd);
            block.Patch32(lengthAt, (uint)(block.Length - lengthAt));
        }

        return block;
    }

    private static void WriteFdPayload(BlockBuilder block, ScapFd fd)
    {
        switch (fd.Type)
        {
            case ScapFdType.Ipv4Sock:
            case ScapFdType.Ipv6Sock:
                {
                    IPEndPoint source = fd.Source ?? throw new ArgumentException($"fd {fd.Fd}: a connected socket needs Source and Destination.");
                    IPEndPoint destination = fd.Destination ?? throw new ArgumentException($"fd {fd.Fd}: a connected socket needs Source and Destination.");
                    block.Address(source.Address);
                    block.Address(destination.Address);
                    block.U16((ushort)source.Port);
                    block.U16((ushort)destination.Port);
                    block.U8((byte)fd.Protocol);
                    break;
                }

            case ScapFdType.Ipv4ServSock:
            case ScapFdType.Ipv6ServSock:
                {
                    IPEndPoint local = fd.Source ?? throw new ArgumentException($"fd {fd.Fd}: a server socket needs Source.");
                    block.Address(local.Address);
                    block.U16((ushort)local.Port);
                    block.U8((byte)fd.Protocol);
                    break;
                }

            case ScapFdType.UnixSock:
                block.U64(fd.UnixSource);
                block.U64(fd.UnixDestination);
                block.Str16(fd.Name);
                break;

            case ScapFdType.FileV2:
                block.U32(fd.OpenFlags);
                block.Str16(fd.Name);
                block.U32(0);
                break;

            default:
                block.Str16(fd.Name);
                break;
        }
    }

    private static IPAddress Broadcast(IPAddress address, IPAddress netmask)
    {
        byte[] ip = address.GetAddressBytes();
        byte[] mask = netmask.GetAddressBytes();
        for (int i = 0; i < ip.Length && i < mask.Length; i++)
        {
            ip[i] = (byte)(ip[i] | ~mask[i]);
        }

        return new IPAddress(ip);
    }
}
