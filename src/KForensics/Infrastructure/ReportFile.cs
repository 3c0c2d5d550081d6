using System.Management.Automation;
using System.Text;
using KForensics.Core.Report;

namespace KForensics.Infrastructure;

/// <summary>Writes a report page next to its target and moves it over the target, so a failure leaves no half page.</summary>
internal static class ReportFile
{
    /// <summary>False when the page could not be written; the error is written already.</summary>
    public static bool TryWrite(PSCmdlet cmdlet, ScapReport report, string target)
        => StagedFile.TryWrite(cmdlet, target, ErrorIds.ScapReportWriteFailed, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            HtmlReportWriter.Write(report, writer);
            return true;
        }, out _);
}
