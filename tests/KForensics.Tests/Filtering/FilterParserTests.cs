using KForensics.Core.Filtering;
using Xunit;

namespace KForensics.Tests.Filtering;

public class FilterParserTests
{
    private static string Show(FilterNode node) => node switch
    {
        AndNode a => $"({Show(a.Left)} and {Show(a.Right)})",
        OrNode o => $"({Show(o.Left)} or {Show(o.Right)})",
        NotNode n => $"not {Show(n.Operand)}",
        CheckNode c => $"{c.Field} {c.Operator} [{string.Join("|", c.Values.Select(v => v.Text))}]",
        _ => throw new InvalidOperationException(),
    };

    [Theory]
    [InlineData("proc.name=nginx", "proc.name Equal [nginx]")]
    [InlineData("evt.type==openat", "evt.type Equal [openat]")]
    [InlineData("a.b", null)]
    [InlineData("evt.type=open or evt.type=close and proc.name=curl", "(evt.type Equal [open] or (evt.type Equal [close] and proc.name Equal [curl]))")]
    [InlineData("not not evt.type=open", "not not evt.type Equal [open]")]
    [InlineData("not(evt.type=open)", "not evt.type Equal [open]")]
    [InlineData("evt.type in(open,openat)", "evt.type In [open|openat]")]
    [InlineData("fd.name intersects (/a, '/b c')", "fd.name Intersects [/a|/b c]")]
    [InlineData("fd.name pmatch (/etc, /usr/lib)", "fd.name PMatch [/etc|/usr/lib]")]
    [InlineData("fd.name exists and fd.name!=/x", "(fd.name Exists [] and fd.name NotEqual [/x])")]
    [InlineData("evt.arg.fd=3", "evt.arg[fd] Equal [3]")]
    [InlineData("evt.arg[0]=3", "evt.arg[0] Equal [3]")]
    [InlineData("proc.aname[2]=bash", "proc.aname[2] Equal [bash]")]
    [InlineData("proc.aname=bash", "proc.aname Equal [bash]")]
    [InlineData("k8s.pod.label.app=nginx", "k8s.pod.label[app] Equal [nginx]")]
    [InlineData("k8s.pod.label[app.kubernetes.io/name]=nginx", "k8s.pod.label[app.kubernetes.io/name] Equal [nginx]")]
    [InlineData("container.label.tier contains web", "container.label[tier] Contains [web]")]
    [InlineData("evt.type.is.open=1", "evt.type.is[open] Equal [1]")]
    [InlineData("fd.name = \"/etc/a b\\\"c\"", "fd.name Equal [/etc/a b\"c]")]
    [InlineData("evt.buffer bcontains 2f657463", "evt.buffer BContains [2f657463]")]
    [InlineData("fd.name glob '/etc/re??lv.*'", "fd.name Glob [/etc/re??lv.*]")]
    [InlineData("evt.rawres<=-1", "evt.rawres LessOrEqual [-1]")]
    [InlineData("  (proc.name=a or proc.name=b)  and evt.dir='<'", "((proc.name Equal [a] or proc.name Equal [b]) and evt.dir Equal [<])")]
    public void ParsesLikeCurrentLibs(string filter, string? expected)
    {
        if (expected is null)
        {
            Assert.Throws<FilterSyntaxException>(() => FilterParser.Parse(filter));
            return;
        }

        Assert.Equal(expected, Show(FilterParser.Parse(filter)));
    }

    [Theory]
    [InlineData("", 0, "empty")]
    [InlineData("proc.name=", 10, "value")]
    [InlineData("proc.name=nginx and", 19, "end of filter")]
    [InlineData("(proc.name=nginx", 0, "never closed")]
    [InlineData("proc.name=nginx)", 15, "Unbalanced")]
    [InlineData("proc.name ~ x", 10, "operator")]
    [InlineData("proc.name foo x", 10, "Unknown operator 'foo'")]
    [InlineData("evt.type in open", 12, "Expected '('")]
    [InlineData("evt.type in (open", 12, "never closed")]
    [InlineData("fd.name='/etc", 8, "quote is never closed")]
    [InlineData("fd.name=\"a\\xZZ\"", 10, "escape")]
    [InlineData("evt.arg=3", 7, "needs an argument")]
    [InlineData("proc.aname[x]=bash", 11, "number")]
    [InlineData("proc.name[1]=x", 9, "takes no argument")]
    [InlineData("proc.nmae=nginx", 0, "Unknown field 'proc.nmae'")]
    [InlineData("evt.type=open proc.name=x", 14, "Expected 'and', 'or'")]
    public void ReportsWhereTheFilterIsWrong(string filter, int position, string reason)
    {
        var e = Assert.Throws<FilterSyntaxException>(() => FilterParser.Parse(filter));
        Assert.Equal(position, e.Position);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        string[] lines = e.Message.Split('\n');
        Assert.Equal(filter, lines[1]);
        Assert.Equal(new string(' ', position) + "^", lines[2]);
    }

    [Fact]
    public void UnknownFieldsNameTheClosestKnownOnes()
    {
        var e = Assert.Throws<FilterSyntaxException>(() => FilterParser.Parse("proc.nmae=nginx"));
        Assert.Contains("proc.name", e.Suggestions);
        Assert.Contains("Did you mean proc.name", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<FilterSyntaxException>(() => FilterParser.Parse("fd.cipp=1.2.3.4"));
        Assert.Contains("fd.cip", e.Suggestions);
    }

    [Fact]
    public void CatalogCoversTheClassesACaptureCanAnswer()
    {
        var classes = FieldCatalog.All.Select(f => f.Class).Distinct().ToHashSet();
        foreach (FieldClass c in Enum.GetValues<FieldClass>())
        {
            Assert.Contains(c, classes);
        }

        foreach (string name in new[] { "fd.cip", "fd.sip", "fd.cport", "fd.sport", "fd.lip", "fd.rip", "fd.l4proto", "user.name", "group.name",
                     "proc.aname", "proc.pname", "proc.cmdline", "evt.failed", "evt.res", "container.image", "k8s.pod.name", "k8s.ns.name", "fdlist.names" })
        {
            Assert.True(FieldCatalog.TryGet(name, out _), name);
        }
    }
}
