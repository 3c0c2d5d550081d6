using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using KForensics.Core.Scap;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;
using KForensics.TestCaptures;
using KForensics.Tests.Scap.Writer;
using Xunit;

namespace KForensics.Tests.Scap;

/// <summary>Captures made by <see cref="ScapWriter"/>, read back by the real sysdig.</summary>
public sealed class WriterTests : IDisposable
{
    private const ulong T0 = 1_710_408_413_000_000_000;
    private readonly TempCapture _temp = new();

    public void Dispose() => _temp.Dispose();

    [SkippableFact]
    public void MetadataBlocksGiveSysdigThreadsUsersAndFds()
    {
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");
        string path = _temp.PathOf("meta.scap");
        using (ScapWriter writer = ScapWriter.Create(path))
        {
            writer.MachineInfo = new ScapMachineInfo("node-a");
            writer.AddInterface(new ScapInterface("eth0", IPAddress.Parse("10.1.2.3"), IPAddress.Parse("255.255.0.0")));
            writer.AddUser(new ScapUser(1000, 1000, "alice", "/home/alice", "/bin/zsh"));
            writer.AddGroup(new ScapGroup(1000, "staff"));
            writer.AddThread(new ScapThread(500, 500, 1, "vim", "vim") { Args = ["notes.txt", "-R"], Cwd = "/home/alice/", Uid = 1000, Gid = 1000 });
            
            // Flags 1 = PPM_CL_CLONE_FILES: the thread shares the fd table of its process.
            writer.AddThread(new ScapThread(501, 500, 1, "vim", "vim") { Args = ["notes.txt", "-R"], Cwd = "/home/alice/", Uid = 1000, Gid = 1000, Flags = 1 });
            writer.AddFd(500, ScapFd.File(5, "/home/alice/notes.txt"));
            writer.AddFd(500, ScapFd.Connected(6, new IPEndPoint(IPAddress.Parse("10.1.2.3"), 40000), new IPEndPoint(IPAddress.Parse("93.184.216.34"), 443)));
            writer.AddFd(500, ScapFd.Listening(7, new IPEndPoint(IPAddress.Parse("0.0.0.0"), 8080)));
            writer.WriteEvent(T0, 500, 0, EventIds.SyscallReadE, 5L, 100u);
            writer.WriteEvent(T0 + 1, 500, 0, EventIds.SyscallReadE, 6L, 100u);
            writer.WriteEvent(T0 + 2, 501, 1, EventIds.SyscallReadE, 7L, 100u);
        }

        SysdigRunner.Result result = SysdigRunner.Execute("-r", path, "-p", "*%evt.num %thread.tid %proc.pid %proc.name %proc.cmdline %proc.cwd %user.name %fd.name %fd.lip %evt.cpu");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            string.Join(
                '\n',
                "1 500 500 vim vim notes.txt -R /home/alice/ alice /home/alice/notes.txt <NA> 0",
                "2 500 500 vim vim notes.txt -R /home/alice/ alice 10.1.2.3:40000->93.184.216.34:443 10.1.2.3 0",
                "3 501 500 vim vim notes.txt -R /home/alice/ alice 0.0.0.0:8080 <NA> 1"),
            string.Join('\n', result.Lines));
    }

    [SkippableFact]
    public void StateOnlyEventsChangeStateWithoutBeingShown()
    {
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");
        string path = _temp.PathOf("state-only.scap");
        using (ScapWriter writer = ScapWriter.Create(path))
        {
            writer.AddThread(new ScapThread(500, 500, 1, "cat", "cat"));
            writer.AddFd(500, ScapFd.File(5, "/etc/shadow"));
            writer.WriteEvent(T0, 500, 0, EventIds.SyscallReadE, 5L, 100u);

            // close(5) as state-only: readers drop the fd but show neither event.
            writer.WriteEncodedEvent(T0 + 1, 500, 0, EventIds.SyscallCloseE, [ScapParamEncoder.Encode(ParamType.Fd, 5L)], false, stateOnly: true);
            writer.WriteEncodedEvent(T0 + 2, 500, 0, EventIds.SyscallCloseX, [ScapParamEncoder.Encode(ParamType.Errno, 0L)], false, stateOnly: true);
            writer.WriteEvent(T0 + 3, 500, 0, EventIds.SyscallReadE, 5L, 100u);
        }

        SysdigRunner.Result result = SysdigRunner.Execute("-r", path, "-p", "*%evt.rawtime %evt.type %fd.name");
        Assert.Equal(0, result.ExitCode);
        string[] expected = [$"{T0} read /etc/shadow", $"{T0 + 3} read <NA>"];
        Assert.Equal(expected, result.Lines);

        // The module's reader agrees, and shows the state-only events only when asked for hidden ones.
        using (ScapEventReader reader = ScapEventReader.Open(path))
        {
            var shown = new List<string>();
            while (reader.TryRead(out ScapEvent? ev))
            {
                shown.Add($"{ev.RawTime} {ev.Type} {ev.FdName ?? "<NA>"}");
            }

            Assert.Equal(expected, shown);
        }

        using ScapEventReader hidden = ScapEventReader.Open(path, includeHidden: true);
        var stateOnly = new List<string>();
        while (hidden.TryRead(out ScapEvent? ev))
        {
            if (ev.IsHidden)
            {
                stateOnly.Add($"{ev.RawTime} {ev.Type}");
            }
        }

        Assert.Equal([$"{T0 + 1} close", $"{T0 + 2} close"], stateOnly);
    }

    [SkippableFact]
    public void ParametersAreEncodedAsSysdigDecodesThem()
    {
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");
        string path = _temp.PathOf("params.scap");
        var v6Client = new IPEndPoint(IPAddress.Parse("2001:db8::10"), 51000);
        var v6Server = new IPEndPoint(IPAddress.Parse("2001:db8::1"), 443);
        using (ScapWriter writer = ScapWriter.Create(path))
        {
            writer.AddThread(new ScapThread(42, 42, 1, "probe", "probe") { Cwd = "/srv/" });
            writer.WriteEvent(T0, 42, 0, EventIds.SyscallOpenat_2E, -100L, "data/../app.conf", 1u | 64u, 0u);
            writer.WriteEvent(T0 + 1, 42, 0, EventIds.SyscallOpenat_2X, -2L, -100L, "data/../app.conf", 1u | 64u, 0u, 0u);
            writer.WriteEvent(T0 + 2, 42, 0, EventIds.SocketConnectE, 3L, v6Server);
            writer.WriteEvent(T0 + 3, 42, 0, EventIds.SocketConnectX, 0L, new ScapSocketTuple(v6Client, v6Server));
            writer.WriteEvent(T0 + 4, 42, 0, EventIds.SocketConnectE, 4L, new ScapUnixAddress("/run/docker.sock"));
            writer.WriteEvent(T0 + 5, 42, 0, EventIds.SyscallWriteX, 5L, "hello");
        }

        SysdigRunner.Result result = SysdigRunner.Execute("-r", path, "-p", "%evt.num %evt.type %evt.info");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            string.Join(
                '\n',
                "1 openat dirfd=-100(AT_FDCWD) name=data/../app.conf(/srv/app.conf) flags=65(O_NONBLOCK|O_RDONLY) mode=0",
                "2 openat fd=-2(ENOENT) dirfd=-100(AT_FDCWD) name=data/../app.conf(/srv/app.conf) flags=65(O_NONBLOCK|O_RDONLY) mode=0 dev=0",
                "3 connect fd=3 addr=2001:db8::1:443",
                "4 connect res=0 tuple=2001:db8::10:51000->2001:db8::1:443",
                "5 connect fd=4 addr=/run/docker.sock",
                "6 write res=5 data=hello"),
            string.Join('\n', result.Lines.Select(l => l.TrimEnd())));
    }

    [SkippableFact]
    public void GzipCaptureReadsLikeThePlainOne()
    {
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");
        string plain = _temp.PathOf("plain.scap");
        string gzip = _temp.PathOf("compressed.scap");
        new PathTraversalScenario().Write(plain);
        new PathTraversalScenario().Write(gzip, gzip: true);

        byte[] head = File.ReadAllBytes(gzip)[..2];
        Assert.Equal(new byte[] { 0x1F, 0x8B }, head);
        using (var decompressed = new MemoryStream())
        {
            using (var stream = new GZipStream(File.OpenRead(gzip), CompressionMode.Decompress))
            {
                stream.CopyTo(decompressed);
            }

            Assert.Equal(File.ReadAllBytes(plain), decompressed.ToArray());
        }

        SysdigRunner.Result fromPlain = SysdigRunner.Execute("-r", plain);
        SysdigRunner.Result fromGzip = SysdigRunner.Execute("-r", gzip);
        Assert.Equal(0, fromGzip.ExitCode);
        Assert.True(fromPlain.Lines.Length > 50, fromPlain.Error);
        Assert.Equal(fromPlain.Output, fromGzip.Output);
    }

    [SkippableFact]
    public void LargeBlocksCarryEventsBeyond64KiB()
    {
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");
        string path = _temp.PathOf("large.scap");
        var labels = Enumerable.Range(0, 2000).ToDictionary(i => $"example.com/label-{i:D4}", i => new string('v', 40));
        var container = new ContainerDescription(new string('a', 64), "bulky", "registry.example/bulky:2") { Labels = labels };
        string[] longArgs = Enumerable.Range(0, 400).Select(i => $"--option-{i:D4}=" + new string('x', 90)).ToArray();
        string[] longEnv = Enumerable.Range(0, 300).Select(i => $"VARIABLE_{i:D4}=" + new string('y', 90)).ToArray();
        using (ScapWriter writer = ScapWriter.Create(path))
        {
            writer.AddThread(new ScapThread(7, 7, 1, "sh", "sh") { Cgroups = container.Cgroups });
            writer.WriteContainer(container);
            writer.WriteEvent(T0, 7, 0, EventIds.SyscallExecve19E, "/usr/bin/tool");
            writer.WriteEvent(T0 + 1, 7, 0, EventIds.SyscallExecve19X, 0L, "tool", longArgs, 7L, 7L, 1L, "/", 1024UL, 0UL, 0UL, 1u, 1u, 0u, "tool", container.Cgroups, longEnv, 0, 7L, -1, 0u);
            writer.AlwaysLargeBlocks = true;
            writer.WriteEvent(T0 + 2, 7, 0, EventIds.SyscallCloseE, 9L);
        }

        List<uint> blockTypes = WalkBlocks(File.ReadAllBytes(path)).Select(b => b.Type).ToList();
        Assert.Equal(BlockTypes.EvV2Large, blockTypes[^2]);
        Assert.Equal(BlockTypes.EvV2Large, blockTypes[^1]);

        SysdigRunner.Result result = SysdigRunner.Execute("-r", path, "-p", "*%evt.num %evt.type %container.name %container.image %proc.name %proc.args", "evt.type!=execve or evt.dir=<");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(2, result.Lines.Length);
        Assert.StartsWith("3 execve bulky registry.example/bulky:2 tool --option-0000=", result.Lines[0]);
        Assert.EndsWith("--option-0399=" + new string('x', 90), result.Lines[0]);
        Assert.Equal("4 close bulky registry.example/bulky:2 tool " + string.Join(' ', longArgs), result.Lines[1]);
    }

    [Fact]
    public void BlocksAreAlignedWithMatchingTrailers()
    {
        using var stream = new MemoryStream();
        using (var writer = new ScapWriter(stream, leaveOpen: true))
        {
            new PathTraversalScenario().Write(writer);
        }

        byte[] bytes = stream.ToArray();
        Assert.Equal(new byte[] { 0x0A, 0x0D, 0x0D, 0x0A, 28, 0, 0, 0, 0x4D, 0x3C, 0x2B, 0x1A, 1, 0, 2, 0 }, bytes[..16]);
        List<(uint Type, int Offset, int Length)> blocks = WalkBlocks(bytes);
        Assert.Equal(
            new uint[] { BlockTypes.Shb, BlockTypes.Mi, BlockTypes.IlV2, BlockTypes.UlV2, BlockTypes.PlV9 },
            blocks.Take(5).Select(b => b.Type));
        Assert.Equal(192, blocks[1].Length);
        Assert.All(blocks, b => Assert.Equal(0, b.Length % 4));
        Assert.Equal(bytes.Length, blocks[^1].Offset + blocks[^1].Length);
    }

    // Walks the block chain by header length, checking each trailer repeats it.
    private static List<(uint Type, int Offset, int Length)> WalkBlocks(byte[] bytes)
    {
        var blocks = new List<(uint, int, int)>();
        int offset = 0;
        while (offset < bytes.Length)
        {
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
            Assert.Equal((uint)length, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + length - 4)));
            blocks.Add((type, offset, length));
            offset += length;
        }

        return blocks;
    }
}
