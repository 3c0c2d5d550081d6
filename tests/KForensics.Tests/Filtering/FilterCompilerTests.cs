using System.Net;
using KForensics.Core.Filtering;
using Xunit;

namespace KForensics.Tests.Filtering;

/// <summary>Operator semantics over a dictionary of field values (absent key = no value).</summary>
public class FilterCompilerTests
{
    private sealed class DictionaryBinder : IFieldBinder<Dictionary<string, object>>
    {
        public FieldAccessor<Dictionary<string, object>> Bind(string filter, FieldReference field)
        {
            string key = field.ToString();
            return field.Field.Type switch
            {
                FieldType.IpAddr or FieldType.IpNet => FieldAccessor<Dictionary<string, object>>.ForAddresses(field,
                    c => c.TryGetValue(key, out object? v) ? ((string[])v).Select(IPAddress.Parse).ToArray() : null),
                FieldType.Bytes => FieldAccessor<Dictionary<string, object>>.ForBytes(field,
                    c => c.TryGetValue(key, out object? v) ? (byte[])v : null),
                _ when field.Field.IsNumeric || field.Field.Type == FieldType.Bool => FieldAccessor<Dictionary<string, object>>.ForNumber(field,
                    (Dictionary<string, object> c, out long value) =>
                    {
                        bool has = c.TryGetValue(key, out object? v);
                        value = has ? Convert.ToInt64(v) : 0;
                        return has;
                    }),
                _ when field.Field.Name == "proc.aname" && field.Index is null => FieldAccessor<Dictionary<string, object>>.ForStrings(field,
                    c => c.TryGetValue(key, out object? v) ? (string[])v : null),
                _ => FieldAccessor<Dictionary<string, object>>.ForString(field, c => c.TryGetValue(key, out object? v) ? (string)v : null),
            };
        }
    }

    private static readonly Dictionary<string, object> Nginx = new()
    {
        ["proc.name"] = "nginx",
        ["fd.name"] = "/etc/passwd",
        ["evt.type"] = "openat",
        ["evt.rawres"] = -2L,
        ["evt.failed"] = 1L,
        ["fd.cip"] = new[] { "100.123.226.66" },
        ["fd.ip"] = new[] { "100.123.226.66", "10.0.0.5" },
        ["fd.net"] = new[] { "100.123.226.66", "10.0.0.5" },
        ["proc.aname"] = new[] { "bash", "sshd", "systemd" },
        ["evt.buffer"] = "GET /files../etc/passwd"u8.ToArray(),
    };

    private static readonly Dictionary<string, object> Bare = new() { ["proc.name"] = "cat", ["evt.type"] = "close" };

    [Theory]
    [InlineData("proc.name=nginx", true, false)]
    [InlineData("proc.name!=nginx", false, true)]
    [InlineData("fd.name!=/x", true, false)] // no fd.name: every comparison is false, != included
    [InlineData("not fd.name=/x", true, true)]
    [InlineData("fd.name exists", true, false)]
    [InlineData("fd.name contains /etc", true, false)]
    [InlineData("proc.name icontains NGI", true, false)]
    [InlineData("fd.name startswith /etc/", true, false)]
    [InlineData("fd.name endswith passwd", true, false)]
    [InlineData("fd.name glob '/etc/pa??w*'", true, false)]
    [InlineData("fd.name glob '/etc/[!p]*'", false, false)]
    [InlineData("fd.name iglob '/ETC/*'", true, false)]
    [InlineData("fd.name pmatch (/usr, /etc)", true, false)]
    [InlineData("fd.name pmatch (/et)", false, false)]
    [InlineData("evt.type in (open, openat)", true, false)]
    [InlineData("evt.type intersects (close)", false, true)]
    [InlineData("evt.rawres<0", true, false)]
    [InlineData("evt.rawres>=-2 and evt.rawres<=-2", true, false)]
    [InlineData("evt.failed=true", true, false)]
    [InlineData("fd.cip=100.123.226.66", true, false)]
    [InlineData("fd.cip!=100.123.226.66", false, false)]
    [InlineData("fd.ip=10.0.0.5", true, false)]
    [InlineData("fd.net=10.0.0.0/8", true, false)]
    [InlineData("fd.net=192.168.0.0/16", false, false)]
    [InlineData("proc.aname=sshd", true, false)]
    [InlineData("proc.aname in (init, systemd)", true, false)]
    [InlineData("evt.buffer contains ../etc", true, false)]
    [InlineData("evt.buffer bcontains 2f657463", true, false)]
    [InlineData("evt.buffer bstartswith 474554", true, false)]
    [InlineData("proc.name=cat or proc.name=nginx and evt.type=close", false, true)]
    [InlineData("(proc.name=cat or proc.name=nginx) and evt.type=close", false, true)]
    public void MatchesLikeSysdig(string filter, bool nginx, bool bare)
    {
        var predicate = FilterCompiler.Compile(filter, new DictionaryBinder());
        Assert.Equal(nginx, predicate(Nginx));
        Assert.Equal(bare, predicate(Bare));
    }

    [Theory]
    [InlineData("evt.rawres<abc", 11, "not a number")]
    [InlineData("fd.cip=1.2.3", 7, "not an IPv4 or IPv6 address")]
    [InlineData("fd.net=10.0.0.0/33", 7, "CIDR")]
    [InlineData("evt.buffer bcontains 2f6", 21, "even number")]
    [InlineData("evt.buffer bcontains zz", 21, "hex")]
    [InlineData("fd.cip contains 1", 7, "does not apply")]
    [InlineData("evt.rawres startswith 1", 11, "does not apply")]
    public void BadValuesAreReportedAtTheirPosition(string filter, int position, string reason)
    {
        var e = Assert.Throws<FilterSyntaxException>(() => FilterCompiler.Compile(filter, new DictionaryBinder()));
        Assert.Equal(position, e.Position);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*", "", true)]
    [InlineData("a*c", "abbbc", true)]
    [InlineData("a*c", "abbbd", false)]
    [InlineData("/etc/*", "/etc/a/b", true)]
    [InlineData("?b", "ab", true)]
    [InlineData("[a-c]x", "bx", true)]
    [InlineData("[^a-c]x", "bx", false)]
    [InlineData("a\\*", "a*", true)]
    [InlineData("a\\*", "ab", false)]
    [InlineData("*.conf", "/etc/resolv.conf", true)]
    public void GlobFollowsShellRules(string pattern, string value, bool expected)
        => Assert.Equal(expected, new GlobPattern(pattern, ignoreCase: false).IsMatch(value));
}
