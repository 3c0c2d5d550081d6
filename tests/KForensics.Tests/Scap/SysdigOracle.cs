using System.Diagnostics;
using System.Text;

namespace KForensics.Tests.Scap;

/// <summary>Runs the installed sysdig 0.29.3, the reference these tests compare against.</summary>
internal static class SysdigOracle
{
    public static string? Executable
    {
        get
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

    /// <summary>Runs sysdig with TZ=UTC and returns its standard output.</summary>
    public static string Run(params string[] arguments) => Run((IEnumerable<string>)arguments);

    /// <summary>
    /// Runs sysdig with TZ=UTC (so the times chisels print are UTC, as the module's are) and returns its
    /// standard output; <paramref name="workingDirectory"/> is where sysdig looks for chisels first.
    /// </summary>
    public static string Run(IEnumerable<string> arguments, string? workingDirectory = null)
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
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"sysdig {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}: {error.Result}");
        }

        return output;
    }
}
