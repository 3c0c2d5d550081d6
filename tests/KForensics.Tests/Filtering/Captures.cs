using Xunit;

namespace KForensics.Tests.Filtering;

/// <summary>The real captures in ../shared/captures (beside the repository), which never enter the repository.</summary>
internal static class Captures
{
    public static string? Directory { get; } = Find();

    public static IEnumerable<string> All() => Directory is null
        ? []
        : System.IO.Directory.GetFiles(Directory, "*.scap").Order(StringComparer.Ordinal);

    /// <summary>
    /// Every capture by name, once per filter (null: unfiltered); one placeholder case when the captures
    /// are absent, so the theory reports itself skipped instead of having no data.
    /// </summary>
    public static TheoryData<string, string?> WithFilters(params string?[] filters)
    {
        var data = new TheoryData<string, string?>();
        foreach (string file in All())
        {
            foreach (string? filter in filters)
            {
                data.Add(Path.GetFileName(file), filter);
            }
        }

        if (data.Count == 0)
        {
            data.Add("(no captures)", null);
        }

        return data;
    }

    /// <summary>sysdig 0.29.3 cannot read the copy with pcapng comments; its events are those of the original.</summary>
    public static string OracleFileFor(string file)
        => Path.GetFileName(file) == "libs_curl_google_comments.scap" ? Path.Combine(Path.GetDirectoryName(file)!, "libs_curl_google.scap") : file;

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
