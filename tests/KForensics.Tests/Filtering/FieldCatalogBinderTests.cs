using KForensics.Core.Filtering;
using KForensics.Core.Scap.Fields;
using Xunit;

namespace KForensics.Tests.Filtering;

/// <summary>What Get-ScapField lists and Tab completion offers is what the binder serves.</summary>
public sealed class FieldCatalogBinderTests
{
    public static TheoryData<string> Names() => new(FieldCatalog.All.Select(f => f.Name));

    private static FieldReference Sample(FieldDefinition f) => f.Argument switch
    {
        FieldArgument.Name or FieldArgument.NameOrIndex or FieldArgument.OptionalName => new FieldReference(f, "x", null, 0),
        FieldArgument.Index => new FieldReference(f, null, 1, 0),
        _ => new FieldReference(f, null, null, 0),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_field_binds_or_says_why_not(string name)
    {
        Assert.True(FieldCatalog.TryGet(name, out FieldDefinition field));
        string filter = name + " exists";
        if (ScapFieldBinder.IsComputable(field))
        {
            Assert.Null(ScapFieldBinder.NotComputableReason(field));
            Assert.NotNull(ScapFieldBinder.Instance.Bind(filter, Sample(field)));
            if (!field.IsFilterOnly && field.Argument != FieldArgument.OptionalIndex)
            {
                Assert.NotNull(ScapFieldBinder.Instance.BindText(filter, Sample(field)));
            }
        }
        else
        {
            string? reason = ScapFieldBinder.NotComputableReason(field);
            Assert.False(string.IsNullOrWhiteSpace(reason), $"{name} is not computable and gives no reason");
            string argument = field.Argument switch
            {
                FieldArgument.Index => "[1]",
                FieldArgument.Name or FieldArgument.NameOrIndex => ".x",
                _ => "",
            };
            var e = Assert.Throws<FilterSyntaxException>(() => ScapFieldBinder.Compile(filter.Replace(name, name + argument)));
            Assert.Contains(reason!, e.Message);
        }
    }

    [Fact]
    public void Names_are_unique_and_the_newer_fields_are_marked()
    {
        Assert.Equal(FieldCatalog.All.Count, FieldCatalog.All.Select(f => f.Name).Distinct().Count());
        foreach (string name in new[] { "container.start_ts", "fd.nameraw", "proc.aexepath", "proc.pexepath", "proc.exe_ino", "proc.exe_ino.ctime",
            "proc.exe_ino.mtime", "proc.exe_ino.ctime_duration_proc_start", "proc.is_exe_upper_layer", "thread.cap_effective",
            "thread.cap_permitted", "thread.cap_inheritable", "proc.pexe", "proc.is_exe_from_memfd" })
        {
            Assert.True(FieldCatalog.TryGet(name, out FieldDefinition f), name);
            Assert.False(f.InSysdig, name);
            Assert.True(ScapFieldBinder.IsComputable(f), name);
        }
    }

    [Fact]
    public void A_field_that_needs_a_live_system_is_refused_with_the_reason()
    {
        var e = Assert.Throws<FilterSyntaxException>(() => ScapFieldBinder.Compile("fd.sproto=http"));
        Assert.Contains("services database", e.Message);
        var p = Assert.Throws<FilterSyntaxException>(() => ScapFieldBinder.Instance.BindText("proc.aname"));
        Assert.Contains("only be used in filters", p.Message);
    }
}
