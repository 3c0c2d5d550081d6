using System.Globalization;
using KForensics.Core.Report;
using Xunit;

namespace KForensics.Tests.Report;

/// <summary>How values of any row type become table cells, and the encoding of text from captures.</summary>
public sealed class ReportCellTests
{
    [Fact]
    public void ColumnsAreThePublicPropertiesInDeclarationOrderReadOncePerType()
    {
        RowSchema schema = RowSchema.For(typeof(SampleRow));
        Assert.Same(schema, RowSchema.For(typeof(SampleRow)));
        Assert.Equal(["Source", "Name", "When", "Bytes", "ServerPort", "ProcessId", "Ratio", "Names", "Labels", "Missing", "Span", "Flag", "Broken"],
            schema.Columns.Select(c => c.Name));
        Assert.Equal(["ServerPort", "ProcessId"], schema.Columns.Where(c => c.Identifier).Select(c => c.Name));
    }

    [Fact]
    public void ValuesAreFormattedForReading()
    {
        ReportCell[] cells = RowSchema.For(typeof(SampleRow)).Cells(new SampleRow());
        Assert.Equal(new ReportCell("<a&b>", null, false), cells[1]);
        Assert.Equal(new ReportCell("2024-03-14T09:26:53.1234567Z", new DateTime(2024, 3, 14, 9, 26, 53, DateTimeKind.Utc).AddTicks(1234567).Ticks.ToString(CultureInfo.InvariantCulture), true), cells[2]);
        Assert.Equal(new ReportCell("12,345,678,901", "12345678901", true), cells[3]);
        Assert.Equal(new ReportCell("45712", "45712", true), cells[4]);
        Assert.Equal(new ReportCell("22101", "22101", true), cells[5]);
        Assert.Equal("1,234.5", cells[6].Text);
        Assert.Equal("curl, sh, nginx", cells[7].Text);
        Assert.Equal("app=web, tier=<front>", cells[8].Text);
        Assert.Equal(ReportCell.Empty, cells[9]);
        Assert.Equal(new ReportCell("00:00:01.5000000", "15000000", true), cells[10]);
        Assert.Equal("True", cells[11].Text);
        Assert.Equal("(InvalidOperationException)", cells[12].Text);
    }

    [Fact]
    public void LongListsAreCut()
    {
        ReportCell cell = ReportCell.From(Enumerable.Range(1, ReportCell.MaxListItems + 7).ToArray(), identifier: false);
        Assert.StartsWith("1, 2, 3,", cell.Text, StringComparison.Ordinal);
        Assert.EndsWith($", {ReportCell.MaxListItems}, … (7 more)", cell.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain /etc/passwd", "plain /etc/passwd")]
    [InlineData("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")]
    [InlineData("a=\"1\" & b", "a=&quot;1&quot; &amp; b")]
    [InlineData("&amp;", "&amp;amp;")]
    [InlineData("esc\u001b[31mred\0", "esc\\x1B[31mred\\x00")]
    [InlineData("line\nnext\tcol\r", "line\nnext\tcol\\x0D")]
    public void TextIsEncoded(string text, string expected)
    {
        Assert.Equal(expected, HtmlText.Encode(text));
    }

    [Fact]
    public void ALoneSurrogateIsReplacedAndAPairKept()
    {
        // Built at run time: attribute arguments cannot carry a lone surrogate.
        string text = "bad " + (char)0xD800 + " surrogate, good " + char.ConvertFromUtf32(0x1F600);
        Assert.Equal("bad \ufffd surrogate, good " + char.ConvertFromUtf32(0x1F600), HtmlText.Encode(text));
    }

    public sealed class SampleRow
    {
        private readonly string _brokenReason = "no value";

        public string Source { get; } = "/cases/a.scap";

        public string Name { get; } = "<a&b>";

        public DateTime When { get; } = new DateTime(2024, 3, 14, 9, 26, 53, DateTimeKind.Utc).AddTicks(1234567);

        public long Bytes { get; } = 12_345_678_901;

        public int ServerPort { get; } = 45712;

        public long? ProcessId { get; } = 22101;

        public double Ratio { get; } = 1234.5;

        public IReadOnlyList<string> Names { get; } = ["curl", "sh", "nginx"];

        public IReadOnlyDictionary<string, string> Labels { get; } = new SortedDictionary<string, string> { ["tier"] = "<front>", ["app"] = "web" };

        public string? Missing { get; }

        public TimeSpan Span { get; } = TimeSpan.FromSeconds(1.5);

        public bool Flag { get; } = true;

        public int Broken => throw new InvalidOperationException(_brokenReason);

        public static int NotAColumn => 1;

        internal int AlsoNotAColumn { get; } = 2;

        public int this[int i] => i;
    }
}
