using System.Diagnostics;
using System.Text.RegularExpressions;

namespace KForensics.Core.Docker;

/// <summary>
/// The CRIU that a local dockerd runs is the one on dockerd's own PATH, which need not be ours, so it is
/// looked up through /proc/&lt;dockerd&gt;/environ. Empty when that cannot be known (remote engine, no access).
/// </summary>
public static partial class CriuVersion
{
    private static string? _cached;

    [GeneratedRegex(@"Version:\s*(?<v>\S+)")]
    private static partial Regex VersionPattern();

    public static async Task<string> OfLocalEngineAsync(CancellationToken cancellationToken)
    {
        if (_cached is not null || !OperatingSystem.IsLinux())
        {
            return _cached ?? string.Empty;
        }

        string? criu = FindOnDockerdPath();
        if (criu is null)
        {
            return string.Empty;
        }

        var start = new ProcessStartInfo(criu, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using Process? process = Process.Start(start);
        if (process is null)
        {
            return string.Empty;
        }

        string output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        Match m = VersionPattern().Match(output);
        _cached = m.Success ? m.Groups["v"].Value : string.Empty;
        return _cached;
    }

    private static string? FindOnDockerdPath()
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (!int.TryParse(Path.GetFileName(dir), out _) || File.ReadAllText(Path.Combine(dir, "comm")).Trim() != "dockerd")
                {
                    continue;
                }

                string? path = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0')
                    .FirstOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..];
                foreach (string p in (path ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").Split(':'))
                {
                    string candidate = Path.Combine(p, "criu");
                    if (File.Exists(candidate))
                    {
                        return candidate;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A process that ended or that we may not read: look at the next one.
            }
        }

        return null;
    }
}
