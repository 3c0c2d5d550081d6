using System.Globalization;
using KForensics.Core.Scap;
using KForensics.Core.Scap.Writing;
using KForensics.TestCaptures;
using Xunit;

namespace KForensics.Tests.Scap.Writer;

/// <summary>The demo capture answers the investigation's questions when sysdig reads it.</summary>
public sealed class PathTraversalScenarioTests : IDisposable
{
    private readonly TempCapture _temp = new();
    private readonly PathTraversalScenario _scenario = new();
    private readonly string _path;

    public PathTraversalScenarioTests()
    {
        _path = _temp.PathOf("demo.scap");
        _scenario.Write(_path);
    }

    public void Dispose() => _temp.Dispose();

    [SkippableFact]
    public void SysdigPrintsEveryTimestampedEventAndHidesTheContainerPreamble()
    {
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");
        SysdigRunner.Result all = SysdigRunner.Execute("-r", _path);
        Assert.Equal(0, all.ExitCode);
        Assert.Equal(string.Empty, all.Error);

        // Events 1 and 2 are the ts=0 container JSON events: counted, never printed.
        SysdigRunner.Result numbers = SysdigRunner.Execute("-r", _path, "-p", "%evt.num");
        Assert.Equal("3", numbers.Lines[0]);
        Assert.Equal(numbers.Lines.Length, all.Lines.Length);
        Assert.Contains(all.Lines, l => l.EndsWith($"< openat fd=10(<f>/etc/passwd) dirfd=-100(AT_FDCWD) name={_scenario.OpenedPath} flags=65(O_NONBLOCK|O_RDONLY) mode=0 dev=803 ", StringComparison.Ordinal));
        Assert.Contains(all.Lines, l => l.Contains($"curl ({_scenario.CurlPid}) < execve res=0 exe=curl args={_scenario.Url}.", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void OnlyNginxTouchesThePasswordFile()
    {
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");
        SysdigRunner.Result result = SysdigRunner.Execute("-r", _path, "-p", "%proc.name %thread.tid %container.name %container.image %evt.type", "fd.name=/etc/passwd");
        Assert.Equal(0, result.ExitCode);
        string[] types = result.Lines.Select(l => l.Split(' ')[^1]).Distinct().ToArray();
        Assert.Equal(["openat", "fstat", "read", "close"], types);
        Assert.All(result.Lines, l => Assert.StartsWith($"nginx {_scenario.NginxWorkerPid} {_scenario.Nginx.Name} nginx:1.25 ", l));
    }

    [SkippableFact]
    public void CurlRunsInTheClientContainer()
    {
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");
        SysdigRunner.Result result = SysdigRunner.Execute("-r", _path, "-p", "%container.name %proc.cmdline", "evt.type=execve and evt.dir=<");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"{_scenario.Client.Name} curl {_scenario.Url}", Assert.Single(result.Lines));
    }

    [SkippableFact]
    public void TheConnectionLeadsFromTheClientPodToTheNginxPod()
    {
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");
        SysdigRunner.Result result = SysdigRunner.Execute(
            "-r", _path, "-p", "%proc.name %container.id %k8s.pod.name %k8s.ns.name %fd.name",
            $"fd.cip={_scenario.ClientIp} and (evt.type=accept or evt.type=connect) and evt.dir=<");
        Assert.Equal(0, result.ExitCode);
        string connection = $"{_scenario.ClientIp}:{_scenario.ClientPort}->{_scenario.NginxIp}:80";
        Assert.Equal(
            new[]
            {
                $"curl {_scenario.Client.ShortId} client-6d9f7b8c5-x2kqp default {connection}",
                $"nginx {_scenario.Nginx.ShortId} insecure-nginx-7c99fdf44b-4fl5s insecure-nginx {connection}",
            },
            result.Lines);
    }

    [SkippableFact]
    public void TheEngineReadsTheCaptureAsSysdigDoes()
    {
        Skip.IfNot(SysdigRunner.Available, "sysdig is not installed");
        const string fields = "*%evt.num %evt.rawtime %evt.cpu %thread.tid %proc.name %evt.dir %evt.type %fd.name %container.id %container.name %evt.info";
        SysdigRunner.Result result = SysdigRunner.Execute("-r", _path, "-p", fields);
        Assert.Equal(0, result.ExitCode);

        using ScapEventReader reader = ScapEventReader.Open(_path);
        List<string> ours = reader.ReadAll(CancellationToken.None).Select(e => string.Join(' ', new[]
        {
            e.Number.ToString(CultureInfo.InvariantCulture), e.RawTime.ToString(CultureInfo.InvariantCulture),
            e.Cpu.ToString(CultureInfo.InvariantCulture), e.ThreadId.ToString(CultureInfo.InvariantCulture),
            e.ProcessName ?? "<NA>", e.Direction, e.Type, e.FdName ?? "<NA>", e.ContainerId ?? "<NA>", e.ContainerName ?? "<NA>", e.Info,
        }).TrimEnd()).ToList();
        Assert.Equal(string.Join('\n', result.Lines.Select(l => l.TrimEnd())), string.Join('\n', ours));
    }
}
