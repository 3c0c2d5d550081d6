using System.Diagnostics;

namespace KForensics.Tests.Scap.Writer;

/// <summary>
/// Runs the real sysdig (the reference reader) on a capture and returns what it printed, its exit code
/// and its errors, for tests that look at failures too (<see cref="SysdigOracle.Run(string[])"/> throws on them).
/// </summary>
internal static class SysdigProcess
{
    public static bool Available => SysdigOracle.Executable is not null;

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static Result Run(params string[] arguments)
    {
        var info = new ProcessStartInfo(SysdigOracle.Executable ?? throw new InvalidOperationException("sysdig is not installed."))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["TZ"] = "UTC";
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException("sysdig did not start.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("sysdig did not finish within 60 s.");
        }

        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
