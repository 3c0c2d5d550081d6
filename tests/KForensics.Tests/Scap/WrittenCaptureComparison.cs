using System.Globalization;
using KForensics.Core.Scap;
using KForensics.Core.Scap.Fields;
using KForensics.Tests.Filtering;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Scap;

/// <summary>
/// The two comparisons every test of a capture written by the module's writer makes with sysdig 0.29.3: each
/// field on each event as <c>sysdig -p</c> prints it, and the events each filter selects.
/// </summary>
internal static class WrittenCaptureComparison
{
    /// <summary>
    /// Fails with every (event, field) whose value differs from sysdig's; returns sysdig's values by event number,
    /// so that a test can check its scenario reached the rules it is about.
    /// </summary>
    public static Dictionary<ulong, string[]> AssertFieldsAgree(string path, string[] fields, ITestOutputHelper output)
    {
        Dictionary<ulong, string[]> expected = FieldDifferentialTests.Oracle(path, fields);
        Dictionary<ulong, string?[]> ours = FieldDifferentialTests.Read(path, fields);
        var problems = new List<string>();
        foreach ((ulong number, string[] theirs) in expected.OrderBy(p => p.Key))
        {
            output.WriteLine($"#{number} " + string.Join(" | ", theirs));
            if (!ours.TryGetValue(number, out string?[]? mine))
            {
                problems.Add($"#{number}: sysdig prints the event, the module does not read it");
                continue;
            }

            for (int i = 0; i < fields.Length; i++)
            {
                if ((mine[i] ?? "<NA>") != theirs[i])
                {
                    problems.Add($"#{number} {theirs[0]} {fields[i]}: sysdig '{theirs[i]}' / ours '{mine[i] ?? "<NA>"}'");
                }
            }
        }

        problems.ForEach(output.WriteLine);
        Assert.Equal(expected.Count, ours.Count);
        Assert.Empty(problems);
        return expected;
    }

    /// <summary>sysdig's values of one field, in event order.</summary>
    public static string[] Column(Dictionary<ulong, string[]> values, string[] fields, string field)
    {
        int index = Array.IndexOf(fields, field);
        Assert.True(index >= 0, field + " is not among the compared fields");
        return values.OrderBy(p => p.Key).Select(p => p.Value[index]).ToArray();
    }

    /// <summary>
    /// Fails with every filter whose events differ from the ones sysdig selects; returns sysdig's event numbers per
    /// filter, so that a test can check the filters selected something.
    /// </summary>
    public static Dictionary<string, HashSet<ulong>> AssertFiltersAgree(string path, IEnumerable<string> filters, ITestOutputHelper output)
    {
        var selected = new Dictionary<string, HashSet<ulong>>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (string filter in filters)
        {
            HashSet<ulong> expected = SysdigRunner.Run("-r", path, "-p", "%evt.num", filter)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => ulong.Parse(l.Trim(), CultureInfo.InvariantCulture)).ToHashSet();
            var actual = new HashSet<ulong>();
            using (var reader = new ScapEventReader(File.OpenRead(path), path) { Filter = ScapFieldBinder.Compile(filter) })
            {
                while (reader.TryRead(out ScapEvent? e))
                {
                    actual.Add(e.Number);
                }
            }

            selected[filter] = expected;
            output.WriteLine($"{filter}: sysdig [{string.Join(",", expected.Order())}]");
            if (!expected.SetEquals(actual))
            {
                problems.Add($"{filter}: sysdig [{string.Join(",", expected.Order())}] / ours [{string.Join(",", actual.Order())}]");
            }
        }

        problems.ForEach(output.WriteLine);
        Assert.Empty(problems);
        return selected;
    }
}
