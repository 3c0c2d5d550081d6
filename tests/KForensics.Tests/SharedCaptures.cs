using Xunit;

namespace KForensics.Tests;

/// <summary>
/// The one locator of the real captures in ../shared/captures (beside the repository root), which never
/// enter the repository. Every test that reads them finds them here; when the folder is absent the
/// theories over them get one placeholder row and skip.
/// </summary>
internal static class SharedCaptures
{
    private const string Placeholder = "(no captures)";

    /// <summary>The folder, or null when it is absent.</summary>
    public static string? Directory { get; } = Find();

    /// <summary>Every capture (*.scap), full paths in ordinal order; none when the folder is absent.</summary>
    public static IEnumerable<string> All() => Directory is null
        ? []
        : System.IO.Directory.GetFiles(Directory, "*.scap").Order(StringComparer.Ordinal);

    /// <summary>
    /// Every capture by name; one placeholder name when the captures are absent, so a theory over them
    /// reports itself skipped instead of having no data.
    /// </summary>
    public static TheoryData<string> Names() => new(NameList());

    /// <summary>Every capture by name as member data rows, or a single null row when the folder is absent (the test then skips).</summary>
    public static IEnumerable<object?[]> Rows() => Directory is null
        ? [[null]]
        : All().Select(f => new object?[] { Path.GetFileName(f) });

    /// <summary>Every name of <see cref="Names"/>, once per filter (null: unfiltered); the placeholder once, unfiltered.</summary>
    public static TheoryData<string, string?> WithFilters(params string?[] filters)
    {
        var data = new TheoryData<string, string?>();
        foreach (string name in NameList())
        {
            foreach (string? filter in name == Placeholder ? new string?[] { null } : filters)
            {
                data.Add(name, filter);
            }
        }

        return data;
    }

    /// <summary>sysdig 0.29.3 cannot read the copy with pcapng comments; its events are those of the original.</summary>
    public static string OracleFileFor(string file)
        => Path.GetFileName(file) == "libs_curl_google_comments.scap" ? Path.Combine(Path.GetDirectoryName(file)!, "libs_curl_google.scap") : file;

    private static string[] NameList()
    {
        string[] names = All().Select(Path.GetFileName).ToArray()!;
        return names.Length == 0 ? [Placeholder] : names;
    }

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KForensics.slnx")))
            {
                string captures = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "captures"));
                return System.IO.Directory.Exists(captures) ? captures : null;
            }
        }

        return null;
    }
}
