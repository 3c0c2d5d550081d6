using System.Management.Automation;
using System.Text;
using KForensics.Core.Report;

namespace KForensics.Infrastructure;

/// <summary>Writes a report page next to its target and moves it over the target, so a failure leaves no half page.</summary>
internal static class ReportFile
{
    public static void Write(PSCmdlet cmdlet, ScapReport report, string target)
        => StagedFile.Write(cmdlet, target, ErrorIds.ScapReportWriteFailed, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            HtmlReportWriter.Write(report, writer);
            return true;
        });
}
