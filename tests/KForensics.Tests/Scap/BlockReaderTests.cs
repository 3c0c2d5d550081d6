using KForensics.Core.Scap;
using KForensics.Core.Scap.Format;
using Xunit;
using static KForensics.Tests.Scap.CaptureBytes;

namespace KForensics.Tests.Scap;

public sealed class BlockReaderTests
{
    private const string ContainerHex = "f1aaeb3ab3671a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819202";

    internal static List<ScapEvent> ReadAll(byte[] capture, bool includeHidden = false)
    {
        using var reader = new ScapEventReader(new MemoryStream(capture), "test.scap") { IncludeHidden = includeHidden };
        var events = new List<ScapEvent>();
        while (reader.TryRead(out ScapEvent? ev))
        {
            events.Add(ev);
        }

        return events;
    }

    /// <summary>One process-list entry in the layout of <paramref name="version"/> (1–9).</summary>
    internal static byte[] ProcessEntry(int version, long tid, string comm, string cwd, string cgroups = "")
    {
        var e = new List<byte>();
        e.AddRange(I64(tid));
        e.AddRange(I64(tid));
        e.AddRange(I64(1));
        if (version >= 6)
        {
            e.AddRange(I64(tid));
        }

        if (version >= 8)
        {
            e.AddRange(I64(tid));
        }

        e.AddRange(Str16(comm));
        e.AddRange(Str16("/usr/bin/" + comm));
        if (version >= 7)
        {
            e.AddRange(Str16("/usr/bin/" + comm));
        }

        e.AddRange(Str16("-x\0arg two\0"));
        e.AddRange(Str16(cwd));
        e.AddRange(U64(1024));
        e.AddRange(U32(0));
        e.AddRange(U32(1000));
        e.AddRange(U32(1000));
        if (version >= 2)
        {
            e.AddRange(new byte[12 + 16]);
        }

        if (version >= 3)
        {
            e.AddRange(Str16("HOME=/root\0"));
        }

        if (version >= 4)
        {
            e.AddRange(I64(tid));
            e.AddRange(I64(tid));
            e.AddRange(Str16(cgroups));
        }

        if (version >= 5)
        {
            e.AddRange(Str16("/"));
        }

        byte[] entry = [.. e];
        return version == 9 ? Concat(U32((uint)entry.Length + 4), entry) : entry;
    }

    private static byte[] FileFd(long fd, string name, bool v2)
    {
        byte[] entry = Concat(I64(fd), U64(77), [16], U32(1), Str16(name));
        return v2 ? Concat(U32((uint)entry.Length + 4), entry) : entry;
    }

    private static CaptureBytes ReadEnter(CaptureBytes c, long tid, long fd, ulong ts = 1_000_000_000)
        => c.Event(BlockTypes.EvV2, EventIds.SyscallReadE, ts, tid, 1, 0, null, I64(fd), U32(100));

    public static TheoryData<uint, int> ProcessListTypes => new()
    {
        { BlockTypes.PlV1, 1 }, { BlockTypes.PlV1Int, 1 }, { BlockTypes.PlV2, 2 }, { BlockTypes.PlV2Int, 2 },
        { BlockTypes.PlV3, 3 }, { BlockTypes.PlV3Int, 3 }, { BlockTypes.PlV4, 4 }, { BlockTypes.PlV5, 5 },
        { BlockTypes.PlV6, 6 }, { BlockTypes.PlV7, 7 }, { BlockTypes.PlV8, 8 }, { BlockTypes.PlV9, 9 },
    };

    [Theory]
    [MemberData(nameof(ProcessListTypes))]
    public void Every_process_list_version_gives_threads_their_name_fds_and_container(uint blockType, int version)
    {
        string cgroups = version >= 4 ? "cpu=/docker/" + ContainerHex + "\0" : "";
        byte[] pl = Concat(ProcessEntry(version, 100, "proc" + version, "/work", cgroups), ProcessEntry(version, 101, "other", "/"));
        var c = new CaptureBytes().Shb().Block(blockType, pl).Block(BlockTypes.FdlV2, Concat(I64(100), FileFd(3, "/etc/x", v2: true)));
        ScapEvent ev = Assert.Single(ReadAll(ReadEnter(c, 100, 3).ToArray()));

        Assert.Equal("proc" + version, ev.ProcessName);
        Assert.Equal("proc" + version + " -x arg two", ev.CommandLine);
        Assert.Equal(100, ev.ProcessId);
        Assert.Equal("/etc/x", ev.FdName);
        Assert.Equal(version >= 4 ? ContainerHex[..12] : "host", ev.ContainerId);
        Assert.Equal("fd=3(<f>/etc/x) size=100 ", ev.Info);
    }

    [Theory]
    [InlineData(BlockTypes.Fdl, false)]
    [InlineData(BlockTypes.FdlInt, false)]
    [InlineData(BlockTypes.FdlV2, true)]
    public void Fd_lists_of_every_version_name_files_and_sockets(uint blockType, bool v2)
    {
        static byte[] Entry(bool v2, byte[] e) => v2 ? Concat(U32((uint)e.Length + 4), e) : e;
        byte[] fdl = Concat(
            I64(100),
            Entry(v2, Concat(I64(3), U64(1), [16], U32(1), Str16("/var/log/app.log"))),
            Entry(v2, Concat(I64(4), U64(2), [3], [10, 0, 0, 1], [10, 0, 0, 2], U16(4242), U16(80), [2])),
            Entry(v2, Concat(I64(5), U64(3), [5], [0, 0, 0, 0], U16(8080), [2])),
            Entry(v2, Concat(I64(6), U64(4), [8], U64(0xffff1), U64(0xffff2), Str16("/run/x.sock"))),
            Entry(v2, Concat(I64(7), U64(5), [1], Str16("/tmp/old"))));
        var c = new CaptureBytes().Shb(minor: 0).Block(BlockTypes.PlV5, ProcessEntry(5, 100, "app", "/")).Block(blockType, fdl);
        for (long fd = 3; fd <= 7; fd++)
        {
            ReadEnter(c, 100, fd, 1_000_000_000 + (ulong)fd);
        }

        List<ScapEvent> events = ReadAll(c.ToArray());
        Assert.Equal(["/var/log/app.log", "10.0.0.1:4242->10.0.0.2:80", "0.0.0.0:8080", "/run/x.sock", "/tmp/old"], events.Select(e => e.FdName));
        Assert.Equal([1UL, 2, 3, 4, 5], events.Select(e => e.Number));
    }

    [Theory]
    [InlineData(BlockTypes.Il, false)]
    [InlineData(BlockTypes.IlInt, false)]
    [InlineData(BlockTypes.IlV2, true)]
    public void Interface_lists_of_every_version_are_read(uint blockType, bool v2)
    {
        // IL_V2's entry length does not count its own four bytes.
        byte[] lo = Concat(U16(1), U16(2), [127, 0, 0, 1], [255, 0, 0, 0], [127, 255, 255, 255], U64(0), "lo"u8.ToArray());
        byte[] eth = Concat(U16(3), U16(4), [192, 168, 1, 5], [255, 255, 255, 0], [192, 168, 1, 255], "eth0"u8.ToArray());
        byte[] body = v2 ? Concat(U32((uint)lo.Length), lo, U32((uint)eth.Length), eth) : Concat(lo, eth);
        using var reader = new ScapEventReader(new MemoryStream(new CaptureBytes().Shb().Block(blockType, body).ToArray()), "il");
        Assert.False(reader.TryRead(out _));
        Assert.Equal(["lo 127.0.0.1", "eth0 192.168.1.5"], reader.State.Interfaces.Select(i => i.Name + " " + i.Address));
    }

    [Theory]
    [InlineData(BlockTypes.Ul, false)]
    [InlineData(BlockTypes.UlInt, false)]
    [InlineData(BlockTypes.UlV2, true)]
    public void User_lists_of_every_version_are_read(uint blockType, bool v2)
    {
        byte[] user = Concat([0], U32(1000), U32(1000), Str16("alice"), Str16("/home/alice"), Str16("/bin/sh"));
        byte[] group = Concat([1], U32(50), Str16("staff"));
        byte[] body = v2 ? Concat(U32((uint)user.Length + 4), user, U32((uint)group.Length + 4), group) : Concat(user, group);
        using var reader = new ScapEventReader(new MemoryStream(new CaptureBytes().Shb().Block(blockType, body).ToArray()), "ul");
        Assert.False(reader.TryRead(out _));
        Assert.Equal("/home/alice", reader.State.Users.FindUser(1000)?.HomeDir);
        Assert.Equal("staff", reader.State.Users.FindGroup(50)?.Name);
    }

    [Theory]
    [InlineData(BlockTypes.Mi)]
    [InlineData(BlockTypes.MiInt)]
    public void Machine_info_is_read(uint blockType)
    {
        byte[] host = new byte[128];
        "node-1"u8.CopyTo(host);
        byte[] body = Concat(U32(8), U64(1UL << 34), U64(0), host, U64(1690557262000000000), U64(0), U64(0), U64(0));
        using var reader = new ScapEventReader(new MemoryStream(new CaptureBytes().Shb().Block(blockType, body).ToArray()), "mi");
        Assert.False(reader.TryRead(out _));
        Assert.Equal("node-1", reader.State.Machine?.HostName);
        Assert.Equal(8u, reader.State.Machine?.CpuCount);
    }

    [Theory]
    [InlineData(BlockTypes.Ev)]
    [InlineData(BlockTypes.EvInt)]
    [InlineData(BlockTypes.EvV2)]
    [InlineData(BlockTypes.EvV2Large)]
    [InlineData(BlockTypes.Evf)]
    [InlineData(BlockTypes.EvfV2)]
    [InlineData(BlockTypes.EvfV2Large)]
    public void Every_event_block_type_is_read(uint blockType)
    {
        var c = new CaptureBytes().Shb().Block(BlockTypes.PlV9, ProcessEntry(9, 100, "cat", "/root"));
        c.Event(blockType, EventIds.SyscallOpenE, 1_500_000_000_123456789, 100, 3, 0, null, Text("notes.txt"), U32(1), U32(0));
        c.Event(blockType, EventIds.SyscallOpenX, 1_500_000_000_123556789, 100, 3, 0, null, I64(5), Text("notes.txt"), U32(1), U32(0));
        List<ScapEvent> events = ReadAll(c.ToArray());

        Assert.Equal(2, events.Count);
        Assert.Equal(">", events[0].Direction);
        Assert.Equal("open", events[1].Type);
        Assert.Equal(3, events[1].Cpu);
        Assert.Equal(1_500_000_000_123556789UL, events[1].RawTime);
        Assert.Equal(new DateTime(2017, 7, 14, 2, 40, 0, 123, DateTimeKind.Utc).AddTicks(5567), events[1].Time);
        Assert.Equal("/root/notes.txt", events[1].FdName);
        Assert.Equal(["fd", "name", "flags", "mode"], events[1].Arguments.Select(a => a.Key));
        Assert.Equal("2 02:40:00.123556789 3 cat (100) < open fd=5(<f>/root/notes.txt) name=notes.txt(/root/notes.txt) flags=1(O_RDONLY) mode=0 ", events[1].ToString());
    }

    [Fact]
    public void Old_blocks_derive_the_parameter_count_from_the_event_length()
    {
        // An open exit written with four parameters (the oracle's table has five): the count is found by length.
        var c = new CaptureBytes().Shb(minor: 0).Block(BlockTypes.PlV5, ProcessEntry(5, 7, "sh", "/"));
        c.Event(BlockTypes.Ev, EventIds.SyscallOpenX, 10, 7, 0, 0, null, I64(3), Text("/etc/passwd"), U32(1), U32(0));
        ScapEvent ev = Assert.Single(ReadAll(c.ToArray()));
        Assert.Equal(4, ev.Raw.FileParamCount);
        Assert.Equal("/etc/passwd", ev.FdName);
    }

    [Fact]
    public void Unknown_event_types_are_skipped_and_not_numbered()
    {
        var c = new CaptureBytes().Shb().Block(BlockTypes.PlV9, ProcessEntry(9, 100, "a", "/"));
        ReadEnter(c, 100, 1, 1);
        c.Event(BlockTypes.EvV2, 60000, 2, 100, 0, 0, null, I64(1));
        ReadEnter(c, 100, 1, 3);
        Assert.Equal([1UL, 2], ReadAll(c.ToArray(), includeHidden: true).Select(e => e.Number));
    }

    [Fact]
    public void State_only_events_are_hidden_but_still_counted()
    {
        var c = new CaptureBytes().Shb().Block(BlockTypes.PlV9, ProcessEntry(9, 100, "a", "/"));
        c.Event(BlockTypes.EvfV2, EventIds.SyscallReadE, 1, 100, 0, 1, null, I64(1), U32(1));
        ReadEnter(c, 100, 1, 2);
        Assert.Equal([2UL], ReadAll(c.ToArray()).Select(e => e.Number));
        Assert.Equal([true, false], ReadAll(c.ToArray(), includeHidden: true).Select(e => e.IsHidden));
    }

    [Fact]
    public void Gzip_is_detected_by_content_and_pcapng_options_are_skipped()
    {
        byte[] comment = Concat(U16(1), U16(5), "hello"u8.ToArray(), [0, 0, 0], U16(0), U16(0));
        var c = new CaptureBytes().Shb(options: comment).Block(BlockTypes.PlV9, ProcessEntry(9, 100, "a", "/"));
        c.Event(BlockTypes.EvV2, EventIds.SyscallReadE, 1, 100, 0, 0, comment, I64(1), U32(9));
        ReadEnter(c, 100, 1, 2);

        string[] plain = ReadAll(c.ToArray()).Select(e => e.ToString()).ToArray();
        string[] gzip = ReadAll(c.ToGzip()).Select(e => e.ToString()).ToArray();
        Assert.Equal(2, plain.Length);
        Assert.Equal(plain, gzip);
    }
}
