using System.Diagnostics;
using System.Text;

namespace KForensics.Tests;

/// <summary>
/// The one runner of the installed sysdig 0.29.3, the reference these tests compare against: always with
/// TZ=UTC (so the times it prints are UTC, as the module's are) and a timeout, after which sysdig and
/// its children are killed and the test fails with a <see cref="TimeoutException"/>.
/// </summary>
internal static class SysdigRunner
{
    /// <summary>How long one sysdig run may take (the largest capture with a chisel on a busy machine takes well under it).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>sysdig on the PATH, or null.</summary>
    public static string? Executable { get; } = Find();

    public static bool Available => Executable is not null;

    /// <summary>What a run printed and how it ended.</summary>
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Runs sysdig and returns its standard output; a non-zero exit throws with its errors.</summary>
    public static string Run(params string[] arguments) => Run((IEnumerable<string>)arguments);

    /// <summary>
    /// Runs sysdig and returns its standard output; a non-zero exit throws with its errors.
    /// <paramref name="workingDirectory"/> is where sysdig looks for chisels first.
    /// </summary>
    public static string Run(IEnumerable<string> arguments, string? workingDirectory = null)
    {
        Result result = Execute(arguments, workingDirectory);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"sysdig {string.Join(' ', arguments)} exited with {result.ExitCode}: {result.Error}");
        }

        return result.Output;
    }

    /// <summary>Runs sysdig and returns its output, errors and exit code, for tests that look at failures too.</summary>
    public static Result Execute(params string[] arguments) => Execute((IEnumerable<string>)arguments);

    /// <inheritdoc cref="Execute(string[])"/>
    public static Result Execute(IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        string exe = Executable ?? throw new InvalidOperationException("sysdig is not installed.");
        var start = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
        };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["TZ"] = "UTC";
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("sysdig did not start.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        TimeSpan limit = timeout ?? Timeout;
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"sysdig {string.Join(' ', start.ArgumentList)} did not finish within {limit.TotalSeconds:0} s.");
        }

        process.WaitForExit();
        return new Result(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>
    /// The lines sysdig -p prints for <paramref name="format"/> (its fields separated by "|~|"), split into fields,
    /// for the events that pass <paramref name="filter"/> (null: every event); <paramref name="debug"/> adds -D.
    /// </summary>
    public static IEnumerable<string[]> Fields(string capture, string format, string? filter, bool debug = false)
    {
        var args = new List<string> { "-r", capture };
        if (debug)
        {
            args.Add("-D");
        }

        args.AddRange(["-p", format]);
        if (filter is not null)
        {
            args.Add(filter);
        }

        return Run(args).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split("|~|"));
    }

    private static string? Find()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(dir, "sysdig");
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
