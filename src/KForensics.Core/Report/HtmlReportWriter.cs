using System.Globalization;
using System.Text;

namespace KForensics.Core.Report;

/// <summary>
/// Renders a <see cref="ScapReport"/> as one self-contained HTML page: inline CSS, inline SVG and a small
/// inline script, nothing fetched from anywhere (the page's content security policy forbids it). Every
/// string from a capture is HTML-encoded.
/// </summary>
public static class HtmlReportWriter
{
    /// <summary>Writes the page to <paramref name="writer"/>.</summary>
    public static void Write(ScapReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Render(report));
    }

    /// <summary>The page as a string.</summary>
    public static string Render(ScapReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder(64 * 1024);
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        sb.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"").Append(HtmlText.Encode(ReportAssets.ContentSecurityPolicy)).Append("\">\n");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        sb.Append("<meta name=\"generator\" content=\"").Append(HtmlText.Encode(report.Generator)).Append("\">\n");
        sb.Append("<title>").Append(HtmlText.Encode(report.Title)).Append("</title>\n");
        sb.Append("<style>").Append(ReportAssets.Css).Append("</style>\n</head>\n<body>\n");

        Header(sb, report);
        Captures(sb, report);
        foreach (ReportSection section in report.Sections)
        {
            Section(sb, report, section);
            if (section.Id == "summary")
            {
                // The timeline reads best right after the figures it draws.
                Timelines(sb, report);
            }
        }

        sb.Append("<script>").Append(ReportAssets.Script).Append("</script>\n</body>\n</html>\n");
        return sb.ToString();
    }

    private static void Header(StringBuilder sb, ScapReport report)
    {
        sb.Append("<header>\n<h1>").Append(HtmlText.Encode(report.Title)).Append("</h1>\n");
        sb.Append("<p class=\"meta\">Generated ").Append(ReportCell.Iso(report.GeneratedAt)).Append(" by ")
            .Append(HtmlText.Encode(report.Generator)).Append(" from ").Append(Count(report.Captures.Count, "capture")).Append(". All times are UTC.</p>\n");
        if (report.Filter is { } filter)
        {
            sb.Append("<p class=\"meta\">Filter: <code>").Append(HtmlText.Encode(filter))
                .Append("</code>. Every figure counts only the events that pass it.</p>\n");
        }

        sb.Append("<nav><a href=\"#captures\">Captures</a>");
        foreach (ReportSection section in report.Sections)
        {
            sb.Append("<a href=\"#").Append(HtmlText.Encode(section.Id)).Append("\">").Append(HtmlText.Encode(section.Title)).Append("</a>");
            if (section.Id == "summary")
            {
                sb.Append("<a href=\"#timeline\">Timeline</a>");
            }
        }

        sb.Append("</nav>\n</header>\n");
    }

    private static void Captures(StringBuilder sb, ScapReport report)
    {
        sb.Append("<section id=\"captures\">\n<h2>Captures</h2>\n");
        sb.Append("<p class=\"desc\">The files read, with the SHA-256 of their bytes as read for this report.</p>\n");
        var rows = report.Captures.Select(c => (object)new CaptureFacts(c)).ToList();
        Table(sb, rows, "captures-table", hideSource: false);
        foreach (ReportCapture c in report.Captures.Where(c => c.Damage is not null))
        {
            sb.Append("<p class=\"damage\">");
            HtmlText.Append(sb, $"{c.Name}: {c.Damage!.Message} The figures count the events before the damage.");
            sb.Append("</p>\n");
        }

        sb.Append("</section>\n");
    }

    private static void Timelines(StringBuilder sb, ScapReport report)
    {
        sb.Append("<section id=\"timeline\">\n<h2>Activity timeline</h2>\n");
        sb.Append("<p class=\"desc\">Events per time bucket for each container (the host is a lane too); red marks are executed commands, ")
            .Append("orange circles file opens, green diamonds connections. Hover over a mark for its details.</p>\n");
        for (int i = 0; i < report.Captures.Count; i++)
        {
            ReportCapture capture = report.Captures[i];
            sb.Append("<figure>\n<h3>").Append(HtmlText.Encode(capture.Name)).Append("</h3>\n");
            if (capture.Timeline.Histogram.Used == 0)
            {
                sb.Append("<p class=\"note\">No timestamped events.</p>\n");
            }
            else
            {
                TimelineSvg.Write(sb, capture.Timeline, "timeline-" + (i + 1).ToString(CultureInfo.InvariantCulture));
            }

            sb.Append("</figure>\n");
        }

        sb.Append("</section>\n");
    }

    private static void Section(StringBuilder sb, ScapReport report, ReportSection section)
    {
        string id = HtmlText.Encode(section.Id);
        sb.Append("<section id=\"").Append(id).Append("\">\n<h2>").Append(HtmlText.Encode(section.Title));
        if (section.Layout == ReportLayout.Table)
        {
            sb.Append(" <span class=\"count\">(").Append(section.Rows.Count.ToString("#,0", CultureInfo.InvariantCulture)).Append(")</span>");
        }

        sb.Append("</h2>\n");
        if (section.Description.Length > 0)
        {
            sb.Append("<p class=\"desc\">").Append(HtmlText.Encode(section.Description)).Append("</p>\n");
        }

        if (section.Rows.Count == 0)
        {
            sb.Append("<p class=\"note\">No rows.</p>\n");
        }
        else if (section.Layout == ReportLayout.KeyValue)
        {
            KeyValue(sb, section.Rows, id + "-table");
        }
        else
        {
            if (section.Rows.Count > report.MaxRows)
            {
                sb.Append("<p class=\"note\">The first ").Append(report.MaxRows.ToString("#,0", CultureInfo.InvariantCulture)).Append(" of ")
                    .Append(section.Rows.Count.ToString("#,0", CultureInfo.InvariantCulture)).Append(" rows, in the view's order.</p>\n");
            }

            Table(sb, section.Rows.Take(report.MaxRows).ToList(), id + "-table", hideSource: report.Captures.Count == 1);
        }

        sb.Append("</section>\n");
    }

    private static string Count(int n, string noun) => $"{n.ToString("#,0", CultureInfo.InvariantCulture)} {noun}{(n == 1 ? string.Empty : "s")}";

    private static void Table(StringBuilder sb, IReadOnlyList<object> rows, string id, bool hideSource)
        => HtmlTables.Table(sb, rows, id, hideSource);

    private static void KeyValue(StringBuilder sb, IReadOnlyList<object> rows, string id)
        => HtmlTables.KeyValue(sb, rows, id);
}
