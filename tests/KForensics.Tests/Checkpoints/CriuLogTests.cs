using KForensics.Core.Docker;
using Xunit;

namespace KForensics.Tests.Checkpoints;

/// <summary>What the error says when CRIU stops at a socket, from the dump log's own lines.</summary>
public sealed class CriuLogTests
{
    // The shape of a CRIU 4.1 dump log of a container whose nc listened on 8080 (kernel 6.x), trimmed.
    private static readonly string[] DumpLog =
    [
        "(00.049439) Dumping task (pid: 5838 comm: sh)",
        "(00.077805) Dumping task cwd id 0x5 root id 0x6",
        "(00.077912) Dumping task (pid: 5868 comm: nc)",
        "(00.078903) Dumping opened files (pid: 5868)",
        "(00.078971) 5868 fdinfo 0: pos:                0 flags:                0/0",
        "(00.078976) Dumping pipe 15 with id 0x7 pipe_id 0x53c0",
        "(00.079162) 5868 fdinfo 3: pos:                0 flags:                2/0x1",
        "(00.079169) sockets: Searching for socket 0x53c3 family 10",
        "(00.079185) Error (criu/sockets.c:628): sockets: Can't get 1:16 opt: Operation not supported",
        "(00.079189) Error (criu/sockets.c:628): sockets: Can't get 1:34 opt: Operation not supported",
        "(00.079209) Error (criu/cr-dump.c:1681): Dump files (pid: 5868) failed with -1",
    ];

    [Fact]
    public void ASocketFailureNamesTheSocketTheDescriptorTheProcessAndTheVersion()
    {
        string? text = CriuLog.SocketFailure(DumpLog, "4.1.1");
        Assert.NotNull(text);
        Assert.StartsWith("CRIU 4.1.1 could not handle the IPv6 socket (inode 21443) on fd 3 of process 5868 (nc): Can't get 1:16 opt", text);
        Assert.Contains("SO_PASSCRED", text);
        Assert.Contains("CRIU 4.2", text);
    }

    [Fact]
    public void AFailureElsewhereIsNotBlamedOnASocket()
    {
        string[] log = [DumpLog[0], "(00.036860) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted",
            "(00.079209) Error (criu/cr-dump.c:1681): Dump files (pid: 5838) failed with -1"];
        Assert.Null(CriuLog.SocketFailure(log, "4.1.1"));
    }
}
