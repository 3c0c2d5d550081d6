using KForensics.Core.Filtering;
using KForensics.Tests.Filtering;
using KForensics.Tests.Scap;
using Xunit;

namespace KForensics.Tests.Analysis;

/// <summary>What the differential tests of the views share: their preamble and the compiled user filter.</summary>
internal static class Differential
{
    /// <summary>
    /// Skips the test unless both ../shared/captures and sysdig are present; otherwise the capture's path
    /// and the file sysdig reads for it (see <see cref="Captures.OracleFileFor"/>).
    /// </summary>
    public static (string Capture, string Oracle) Files(string name)
    {
        Skip.If(Captures.Directory is null, "../shared/captures is absent");
        Skip.If(SysdigOracle.Executable is null, "sysdig is not installed");
        string capture = Path.Combine(Captures.Directory!, name);
        return (capture, Captures.OracleFileFor(capture));
    }

    /// <summary>The user filter as the cmdlets compile it; null for none.</summary>
    public static Func<ScapFilterContext, bool>? Compile(string? filter) => filter is null ? null : ScapFieldBinder.Compile(filter);
}
