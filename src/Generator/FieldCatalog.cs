using System.Text;

namespace KForensics.Generator;

/// <summary>
/// The field catalogue (FieldCatalog.Data.cs) from sysdig 0.29.3's field list (<c>sysdig -lv</c>): names,
/// classes, types and descriptions. Which fields take an argument, and of what kind, is not in that list:
/// Data/field-arguments.tsv says it.
/// </summary>
internal static class FieldCatalog
{
    // sysdig's class names, and the FieldClass each is written as (thread.* fields are listed under process).
    private static readonly Dictionary<string, string> Classes = new(StringComparer.Ordinal)
    {
        ["evt"] = "Evt", ["process"] = "Proc", ["user"] = "User", ["group"] = "Group", ["container"] = "Container",
        ["fd"] = "Fd", ["fdlist"] = "Fdlist", ["k8s"] = "K8s", ["syslog"] = "Syslog", ["mesos"] = "Mesos", ["span"] = "Span",
        ["evtin"] = "Evtin",
    };

    // sysdig's type names and the FieldType each is written as.
    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        ["CHARBUF"] = "String", ["BYTEBUF"] = "Bytes", ["BOOL"] = "Bool", ["INT16"] = "Int16", ["INT32"] = "Int32",
        ["INT64"] = "Int64", ["UINT32"] = "UInt32", ["UINT64"] = "UInt64", ["PORT"] = "Port", ["DOUBLE"] = "Double",
        ["RELTIME"] = "RelTime", ["ABSTIME"] = "AbsTime", ["IPADDR"] = "IpAddr", ["IPNET"] = "IpNet", ["DYNAMIC"] = "Dynamic",
    };

    public static void Generate(Generation g, string sysdigFieldList)
    {
        var arguments = Inputs.ReadTsv(g.Data("field-arguments.tsv")).ToDictionary(r => r[0], r => r[1], StringComparer.Ordinal);
        var unused = new HashSet<string>(arguments.Keys, StringComparer.Ordinal);
        StringBuilder text = CSharp.Begin("the field list of sysdig 0.29.3 (sysdig -lv) and src/Generator/Data/field-arguments.tsv", "KForensics.Core.Filtering");
        text.Append("public static partial class FieldCatalog\n{\n    private static readonly FieldDefinition[] Definitions =\n    [\n");
        foreach (SysdigField f in Inputs.ParseFieldList(sysdigFieldList))
        {
            string fieldClass = f.Name.StartsWith("thread.", StringComparison.Ordinal) ? "Thread"
                : Classes.TryGetValue(f.Class, out string? c) ? c : throw new FormatException($"sysdig -lv has a field class '{f.Class}' the catalogue does not know.");
            string type = Types.TryGetValue(f.Type, out string? t) ? t : throw new FormatException($"sysdig -lv gives {f.Name} a type '{f.Type}' the catalogue does not know.");
            string argument = arguments.TryGetValue(f.Name, out string? a) ? a : "None";
            unused.Remove(f.Name);
            text.Append($"        new({CSharp.Quote(f.Name)}, FieldClass.{fieldClass}, FieldType.{type}, FieldArgument.{argument}, {CSharp.Quote(f.Description)}),\n");
        }

        if (unused.Count > 0)
        {
            throw new FormatException($"field-arguments.tsv names fields sysdig -lv does not list: {string.Join(", ", unused)}.");
        }

        text.Append("    ];\n}\n");
        g.Write(Paths.FieldCatalog, text.ToString());
    }
}
