using System.Text.RegularExpressions;
using KForensics.Core.Analysis;
using KForensics.Core.Report;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;
using KForensics.TestCaptures;
using KForensics.Tests.Scap.Writer;
using Xunit;

namespace KForensics.Tests.Report;

/// <summary>The page Export-ScapReport writes: escaping of capture strings, its sections, and nothing fetched from anywhere.</summary>
public sealed class ReportRendererTests : IDisposable
{
    private readonly TempCapture _temp = new();
    private readonly string _hostile;
    private readonly string _demo;

    public ReportRendererTests()
    {
        _hostile = _temp.PathOf("hostile.scap");
        HostileCapture.Write(_hostile);
        _demo = _temp.PathOf("demo.scap");
        new PathTraversalScenario().Write(_demo);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void CaptureStringsAreShownAsTextNeverAsMarkup()
    {
        string html = Render([_hostile]);
        List<HtmlTags.Tag> tags = HtmlTags.Parse(html);

        // The page's own script is the only one; the capture's markup became text.
        Assert.Single(tags, t => t.Name == "script" && !t.Closing);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(3)&gt;", html, StringComparison.Ordinal);
        Assert.Contains("/tmp/&quot;quoted&quot;&amp;&lt;b&gt;bold&lt;/b&gt;&#39;.txt", html, StringComparison.Ordinal);
        Assert.Contains("evil&quot;&amp;&#39;&lt;i&gt;image&lt;/i&gt;", html, StringComparison.Ordinal);
        Assert.Contains("--x=&quot;a&amp;b&quot; &#39;&lt;svg onload=alert(2)&gt;&#39;", html, StringComparison.Ordinal);
        Assert.DoesNotContain(HostileCapture.ProcessName, html, StringComparison.Ordinal);
        Assert.DoesNotContain(HostileCapture.FileName, html, StringComparison.Ordinal);

        // The strict reading would catch a string that got through unencoded.
        Assert.ThrowsAny<Exception>(() => HtmlTags.Parse(html.Replace("&lt;img src=x onerror=alert(3)&gt;", HostileCapture.ContainerName, StringComparison.Ordinal)));
        Assert.ThrowsAny<Exception>(() => HtmlTags.Parse(html.Replace("&amp;&lt;b&gt;", "&<b>", StringComparison.Ordinal)));
    }

    [Fact]
    public void AFilterAndATitleFromTheUserAreEncodedToo()
    {
        ScapReport report = ScapReportBuilder.Build([_hostile],
            new ScapReportOptions { Title = "</title><script>x()</script>", Filter = "proc.name contains \"<\" and fd.name != '&'" }, null, CancellationToken.None);
        string html = HtmlReportWriter.Render(report);
        HtmlTags.Parse(html);
        Assert.Contains("<title>&lt;/title&gt;&lt;script&gt;x()&lt;/script&gt;</title>", html, StringComparison.Ordinal);
        Assert.Contains("<code>proc.name contains &quot;&lt;&quot; and fd.name != &#39;&amp;&#39;</code>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void NothingIsFetchedFromAnywhere()
    {
        // The hostile capture's text holds "src=" as text; the strict tag reading covers it (no src attribute, hrefs only to "#").
        HtmlTags.Parse(Render([_demo, _hostile]));
        foreach (string html in new[] { Render([_demo]), Render([_demo, _demo]) })
        {
            HtmlTags.Parse(html);
            Assert.DoesNotContain("http://", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("https://", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch(new Regex("""(src|href|action|srcset|xlink:href)\s*=""", RegexOptions.IgnoreCase), html.Replace("href=\"#", "#", StringComparison.Ordinal));
            Assert.DoesNotMatch(new Regex("""=\s*["']?//"""), html);
        }

        // The browser is told so too: no source is allowed beyond the page's own style sheet and script.
        string policy = ReportAssets.ContentSecurityPolicy;
        Assert.StartsWith("default-src 'none';", policy, StringComparison.Ordinal);
        Assert.Matches("style-src 'sha256-[A-Za-z0-9+/=]{44}';", policy);
        Assert.Matches("script-src 'sha256-[A-Za-z0-9+/=]{44}';", policy);
    }

    [Fact]
    public void EverySectionIsThereWithTheRowsOfItsView()
    {
        string html = Render([_demo]);
        var connections = new ConnectionAggregator();
        connections.Read(_demo, CancellationToken.None);
        var files = new FileAccessAggregator();
        files.Read(_demo, CancellationToken.None);

        foreach (string id in new[] { "captures", "summary", "timeline", "activity", "connections", "files" })
        {
            Assert.Contains($"<section id=\"{id}\">", html, StringComparison.Ordinal);
            Assert.Contains($"<a href=\"#{id}\">", html, StringComparison.Ordinal);
        }

        Assert.Equal(connections.Rows(_demo).Count, RowCount(html, "connections-table"));
        Assert.Equal(files.Rows(_demo).Count, RowCount(html, "files-table"));
        Assert.Equal(1, RowCount(html, "captures-table"));
        Assert.Single(Regex.Matches(html, "<svg class=\"timeline\""));

        // One capture: no Source column; the columns are the row type's properties in declaration order.
        string head = Regex.Match(html, "<table class=\"rows\" id=\"connections-table\".*?</thead>", RegexOptions.Singleline).Value;
        string[] columns = Regex.Matches(head, "<th[^>]*>([^<]*)</th>").Select(m => m.Groups[1].Value).ToArray();
        string[] expected = typeof(ScapConnection).GetProperties().Select(p => p.Name).Where(n => n != "Source").ToArray();
        Assert.Equal(expected, columns);
    }

    [Fact]
    public void SeveralCapturesMakeOneReportWithASourceColumn()
    {
        string html = Render([_demo, _hostile]);
        Assert.Equal(2, RowCount(html, "captures-table"));
        Assert.Equal(2, Regex.Count(html, "<svg class=\"timeline\""));
        Assert.Contains("<th scope=\"col\">Source</th>", html, StringComparison.Ordinal);
        Assert.Contains("<td>hostile.scap</td>", html, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\" class=\"n\">demo.scap</th><th scope=\"col\" class=\"n\">hostile.scap</th>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void AViewJoinsTheReportWithOneEntryInTheSectionList()
    {
        var sections = new List<ReportSectionSource>(ReportSections.Views)
        {
            new("curl-connections", "Connections of curl", ReportLayout.Table, "Only curl.", _ => new ConnectionAggregator(Core.Scap.Fields.ScapFieldBinder.Compile("proc.name=curl"))),
        };
        ScapReport report = ScapReportBuilder.Build([_demo], new ScapReportOptions { Sections = sections }, null, CancellationToken.None);
        string html = HtmlReportWriter.Render(report);
        Assert.Contains("<section id=\"curl-connections\">\n<h2>Connections of curl <span class=\"count\">(1)</span></h2>", html, StringComparison.Ordinal);
        Assert.Equal(1, RowCount(html, "curl-connections-table"));
        Assert.Contains("<a href=\"#curl-connections\">Connections of curl</a>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void SectionIdsMustBeUniqueAnchors()
    {
        Assert.Throws<ArgumentException>(() => new ReportSectionSource("a b", "T", ReportLayout.Table, string.Empty, f => new ConnectionAggregator(f)));
        var clash = new ScapReportOptions { Sections = [.. ReportSections.Views, new("timeline", "T", ReportLayout.Table, string.Empty, f => new FileAccessAggregator(f))] };
        Assert.Throws<ArgumentException>(() => ScapReportBuilder.Build([_demo], clash, null, CancellationToken.None));
    }

    [Fact]
    public void TablesStopAtMaxRowsAndSayso()
    {
        ScapReport report = ScapReportBuilder.Build([_demo], new ScapReportOptions { MaxRows = 2 }, null, CancellationToken.None);
        string html = HtmlReportWriter.Render(report);
        int files = report.Sections.Single(s => s.Id == "files").Rows.Count;
        Assert.True(files > 2);
        Assert.Equal(2, RowCount(html, "files-table"));
        Assert.Contains($"The first 2 of {files} rows", html, StringComparison.Ordinal);
    }

    [Fact]
    public void ADamagedCaptureIsReportedUpToTheDamage()
    {
        byte[] bytes = File.ReadAllBytes(_demo);
        string cut = _temp.PathOf("cut.scap");
        File.WriteAllBytes(cut, bytes[..(bytes.Length * 9 / 10)]);
        ScapReport report = ScapReportBuilder.Build([cut, _temp.PathOf("missing.scap")], new ScapReportOptions(), null, CancellationToken.None);
        Assert.Equal(ScapErrorKind.Truncated, report.Captures[0].Damage?.Kind);
        Assert.Equal(ScapErrorKind.ReadFailed, report.Captures[1].Damage?.Kind);
        Assert.InRange(report.Captures[0].Timeline.Events, 1, 60);
        string html = HtmlReportWriter.Render(report);
        HtmlTags.Parse(html);
        Assert.Contains("<p class=\"damage\">cut.scap: ", html, StringComparison.Ordinal);
        Assert.Contains("<td>damaged at offset ", html, StringComparison.Ordinal);
        Assert.Contains("No timestamped events.", html, StringComparison.Ordinal);
    }

    [Fact]
    public void ProgressCoversHashingAndReadingEveryCapture()
    {
        var seen = new List<ScapReportProgress>();
        ScapReportBuilder.Build([_demo, _hostile], new ScapReportOptions(), new Collect(seen), CancellationToken.None);
        long total = 2 * (new FileInfo(_demo).Length + new FileInfo(_hostile).Length);
        Assert.All(seen, p => Assert.Equal(total, p.Total));
        Assert.Equal(100, seen[^1].PercentComplete);
        Assert.Equal([0, 1], seen.Select(p => p.Index).Distinct());
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.First.Done <= p.Second.Done), "progress never goes back");
    }

    [SkippableFact]
    public void ReadingReportsTheBytesReadAsItGoes()
    {
        string? capture = SharedCaptures.All().OrderByDescending(f => new FileInfo(f).Length).FirstOrDefault();
        Skip.If(capture is null, "../shared/captures is absent");
        var positions = new List<long>();
        var timeline = new ActivityTimeline();
        ScapView.ReadAll(capture, [timeline], new Positions(positions), CancellationToken.None);
        Assert.True(positions.Count > 1, $"{positions.Count} reports for {timeline.Events} events");
        Assert.Equal(new FileInfo(capture).Length, positions[^1]);
        Assert.Equal(positions.Order(), positions);
        Assert.True(positions[0] < positions[^1]);
    }

    private static string Render(string[] captures)
        => HtmlReportWriter.Render(ScapReportBuilder.Build(captures, new ScapReportOptions(), null, CancellationToken.None));

    private static int RowCount(string html, string tableId)
    {
        Match table = Regex.Match(html, $"<table [^>]*id=\"{tableId}\"[^>]*>.*?</table>", RegexOptions.Singleline);
        Assert.True(table.Success, $"no table {tableId}");
        int rows = Regex.Match(table.Value, "<tbody>(.*)</tbody>", RegexOptions.Singleline).Groups[1].Value.Split("<tr>").Length - 1;
        Assert.Equal($"data-rows=\"{rows}\"", Regex.Match(table.Value, "data-rows=\"\\d+\"").Value);
        return rows;
    }

    private sealed class Positions(List<long> seen) : IProgress<long>
    {
        public void Report(long value) => seen.Add(value);
    }

    private sealed class Collect(List<ScapReportProgress> seen) : IProgress<ScapReportProgress>
    {
        public void Report(ScapReportProgress value) => seen.Add(value);
    }
}
