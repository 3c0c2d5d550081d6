using System.Globalization;
using System.Text;

namespace KForensics.Core.Report;

/// <summary>
/// Draws a capture's timeline as inline SVG: one lane per container (the host included) with a bar per
/// time bucket (events), and marks for executed commands (each one, at its time), file opens and
/// connections (per bucket); a UTC axis below. Styling comes from the page's CSS classes only, so the
/// page's content security policy needs no inline styles.
/// </summary>
internal static class TimelineSvg
{
    /// <summary>Buckets across the plot at most.</summary>
    public const int MaxBuckets = 120;

    /// <summary>Lanes drawn at most; the busiest are kept.</summary>
    public const int MaxLanes = 40;

    private const int Width = 1200;
    private const int LabelWidth = 250;
    private const int PlotWidth = Width - LabelWidth - 20;
    private const int Top = 26;
    private const int LaneHeight = 64;
    private const int BarHeight = 30;
    private const int AxisHeight = 40;

    public static void Write(StringBuilder sb, ActivityTimeline timeline, string idPrefix)
    {
        ActivityHistogram h = timeline.Histogram;
        List<TimelineLane> lanes = timeline.Lanes.Where(l => l.EventCount > 0)
            .OrderByDescending(l => l.EventCount).ThenBy(l => l.Name, StringComparer.Ordinal).Take(MaxLanes).ToList();
        (ulong bucketNs, int buckets) = h.Group(MaxBuckets);
        double span = (double)bucketNs * buckets;
        double bucketPx = PlotWidth / (double)buckets;
        int height = Top + (lanes.Count * LaneHeight) + AxisHeight;
        string title = idPrefix + "-title";

        sb.Append(CultureInfo.InvariantCulture, $"<svg class=\"timeline\" viewBox=\"0 0 {Width} {height}\" width=\"{Width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"{title}\" data-lanes=\"{lanes.Count}\" data-buckets=\"{buckets}\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<title id=\"{title}\">Events per {TimeText.Duration(bucketNs)} for {lanes.Count} lanes, {TimeText.Iso(h.Origin)} to {TimeText.Iso(h.Origin + (ulong)span)}</title>\n");
        Legend(sb);

        double X(ulong t) => LabelWidth + ((t - h.Origin) / span * PlotWidth);
        for (int i = 0; i < lanes.Count; i++)
        {
            Lane(sb, h, lanes[i], Top + (i * LaneHeight), bucketNs, bucketPx, X);
        }

        Axis(sb, h.Origin, span, Top + (lanes.Count * LaneHeight), X);
        sb.Append("</svg>\n");
    }

    private static void Legend(StringBuilder sb)
    {
        sb.Append(CultureInfo.InvariantCulture, $"<g class=\"legend\"><rect class=\"bar\" x=\"{LabelWidth}\" y=\"6\" width=\"10\" height=\"10\"/><text x=\"{LabelWidth + 14}\" y=\"15\">events</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<path class=\"cmd\" d=\"{Triangle(LabelWidth + 85, 11)}\"/><text x=\"{LabelWidth + 94}\" y=\"15\">executed command</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<circle class=\"open\" cx=\"{LabelWidth + 230}\" cy=\"11\" r=\"4\"/><text x=\"{LabelWidth + 238}\" y=\"15\">file opens</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<path class=\"conn\" d=\"{Diamond(LabelWidth + 325, 11, 4.5)}\"/><text x=\"{LabelWidth + 334}\" y=\"15\">connections</text></g>\n");
    }

    private static void Lane(StringBuilder sb, ActivityHistogram h, TimelineLane lane, int y, ulong bucketNs, double bucketPx, Func<ulong, double> x)
    {
        long[] events = h.Grouped(lane.Events, MaxBuckets);
        long[] opens = h.Grouped(lane.FileOpens, MaxBuckets);
        long[] connections = h.Grouped(lane.Connections, MaxBuckets);
        long max = Math.Max(1, events.Max());

        sb.Append("<g class=\"lane\" data-container=\"");
        HtmlText.Append(sb, lane.Id);
        sb.Append("\" data-events=\"").Append(lane.EventCount.ToString(CultureInfo.InvariantCulture)).Append("\">");
        sb.Append(CultureInfo.InvariantCulture, $"<rect class=\"lane-bg\" x=\"0\" y=\"{y}\" width=\"{Width}\" height=\"{LaneHeight - 2}\"/>");
        Label(sb, lane, y, max);

        int barBase = y + 4 + BarHeight;
        for (int j = 0; j < events.Length; j++)
        {
            if (events[j] == 0)
            {
                continue;
            }

            double barHeight = Math.Max(1.5, BarHeight * events[j] / (double)max);
            double left = LabelWidth + (j * bucketPx);
            sb.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar\" x=\"{left:0.##}\" y=\"{barBase - barHeight:0.##}\" width=\"{Math.Max(1, bucketPx - 1):0.##}\" height=\"{barHeight:0.##}\">");
            Title(sb, $"{Span(h.Origin, bucketNs, j)}: {Count(events[j], "event")}");
            sb.Append("</rect>");
        }

        int cmdY = barBase + 9;
        foreach (CommandMark mark in lane.CommandMarks)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<path class=\"cmd\" d=\"{Triangle(x(mark.Timestamp), cmdY)}\">");
            string pid = mark.ProcessId is { } p ? $" (pid {p.ToString(CultureInfo.InvariantCulture)})" : string.Empty;
            Title(sb, $"{TimeText.Iso(mark.Timestamp)}{pid}: {mark.CommandLine}");
            sb.Append("</path>");
        }

        int markY = cmdY + 11;
        for (int j = 0; j < events.Length; j++)
        {
            double center = LabelWidth + ((j + 0.5) * bucketPx);
            if (opens[j] > 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<circle class=\"open\" cx=\"{center - 3:0.##}\" cy=\"{markY}\" r=\"{Radius(opens[j]):0.#}\">");
                Title(sb, $"{Span(h.Origin, bucketNs, j)}: {Count(opens[j], "file open")}");
                sb.Append("</circle>");
            }

            if (connections[j] > 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<path class=\"conn\" d=\"{Diamond(center + 3, markY, Radius(connections[j]) + 0.5)}\">");
                Title(sb, $"{Span(h.Origin, bucketNs, j)}: {Count(connections[j], "connection")}");
                sb.Append("</path>");
            }
        }

        sb.Append("</g>\n");
    }

    private static void Label(StringBuilder sb, TimelineLane lane, int y, long max)
    {
        string name = lane.Name.Length > 34 ? lane.Name[..33] + "…" : lane.Name;
        sb.Append(CultureInfo.InvariantCulture, $"<text class=\"label\" x=\"8\" y=\"{y + 20}\">");
        HtmlText.Append(sb, name);
        string id = lane.Id is "host" or "" ? string.Empty : $"\nid {lane.Id}";
        string image = lane.Image is null ? string.Empty : $"\nimage {lane.Image}";
        Title(sb, $"{lane.Name}{id}{image}");
        sb.Append("</text>");
        string more = lane.CommandCount > lane.CommandMarks.Count ? $", first {lane.CommandMarks.Count} commands drawn" : string.Empty;
        sb.Append(CultureInfo.InvariantCulture, $"<text class=\"sub\" x=\"8\" y=\"{y + 36}\">");
        HtmlText.Append(sb, $"{Count(lane.EventCount, "event")}, peak {max.ToString("#,0", CultureInfo.InvariantCulture)}{more}");
        sb.Append("</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text class=\"sub\" x=\"8\" y=\"{y + 51}\">");
        HtmlText.Append(sb, $"{Count(lane.CommandCount, "command")}, {Count(lane.FileOpenCount, "open")}, {Count(lane.ConnectionCount, "connection")}");
        sb.Append("</text>");
    }

    private static void Axis(StringBuilder sb, ulong origin, double span, int y, Func<ulong, double> x)
    {
        ulong step = TimeText.NiceStep(span, 8);
        sb.Append(CultureInfo.InvariantCulture, $"<g class=\"axis\"><line x1=\"{LabelWidth}\" y1=\"{y + 2}\" x2=\"{LabelWidth + PlotWidth}\" y2=\"{y + 2}\"/>");
        ulong end = origin + (ulong)span;
        for (ulong t = (origin + step - 1) / step * step; t <= end; t += step)
        {
            double tx = x(t);
            sb.Append(CultureInfo.InvariantCulture, $"<line class=\"tick\" x1=\"{tx:0.##}\" y1=\"{Top}\" x2=\"{tx:0.##}\" y2=\"{y + 6}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{tx:0.##}\" y=\"{y + 18}\">{HtmlText.Encode(TimeText.Tick(t, step))}</text>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<text class=\"caption\" x=\"8\" y=\"{y + 18}\">UTC {TimeText.Iso(origin)[..10]}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text class=\"caption\" x=\"{LabelWidth}\" y=\"{y + 34}\">{HtmlText.Encode($"{TimeText.Iso(origin)} to {TimeText.Iso(end)}, {TimeText.Duration(span)}")}</text>");
        sb.Append("</g>\n");
    }

    private static string Span(ulong origin, ulong bucketNs, int j)
        => $"{TimeText.Iso(origin + ((ulong)j * bucketNs))} + {TimeText.Duration(bucketNs)}";

    private static string Count(long n, string noun) => $"{n.ToString("#,0", CultureInfo.InvariantCulture)} {noun}{(n == 1 ? string.Empty : "s")}";

    private static double Radius(long n) => Math.Min(6, 2.5 + Math.Log10(n));

    private static void Title(StringBuilder sb, string text)
    {
        sb.Append("<title>");
        HtmlText.Append(sb, text);
        sb.Append("</title>");
    }

    private static string Triangle(double cx, double cy)
        => string.Create(CultureInfo.InvariantCulture, $"M{cx:0.##} {cy - 5:0.##}L{cx + 4.5:0.##} {cy + 3:0.##}L{cx - 4.5:0.##} {cy + 3:0.##}Z");

    private static string Diamond(double cx, double cy, double r)
        => string.Create(CultureInfo.InvariantCulture, $"M{cx:0.##} {cy - r:0.##}L{cx + r:0.##} {cy:0.##}L{cx:0.##} {cy + r:0.##}L{cx - r:0.##} {cy:0.##}Z");
}
