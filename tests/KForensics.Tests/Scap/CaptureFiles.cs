namespace KForensics.Tests.Scap;

/// <summary>The real captures in ../shared/captures (relative to the repository root), when present.</summary>
internal static class CaptureFiles
{
    public static string? Directory { get; } = Find();

    /// <summary>Every capture file, or a single null entry when the folder is absent (the test then skips).</summary>
    public static IEnumerable<object?[]> All()
    {
        if (Directory is null)
        {
            return [[null]];
        }

        return System.IO.Directory.GetFiles(Directory, "*.scap")
            .Order(StringComparer.Ordinal)
            .Select(f => new object?[] { Path.GetFileName(f) });
    }

    private static string? Find()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
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
