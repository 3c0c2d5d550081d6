namespace KForensics.Infrastructure;

/// <summary>A report page Export-ScapReport wrote, hashed as it lies on disk, with the captures it describes.</summary>
public sealed class ScapReportFile
{
    public ScapReportFile(string path, long length, string sha256, string title, IReadOnlyList<string> captures, DateTime createdUtc)
    {
        Path = path;
        Length = length;
        Sha256 = sha256;
        Title = title;
        Captures = captures;
        CreatedUtc = createdUtc;
    }

    /// <summary>The page's full path.</summary>
    public string Path { get; }

    /// <summary>The page's size in bytes.</summary>
    public long Length { get; }

    /// <summary>The SHA-256 of the page, lowercase hex.</summary>
    public string Sha256 { get; }

    /// <summary>The page's title.</summary>
    public string Title { get; }

    /// <summary>The captures the page describes.</summary>
    public IReadOnlyList<string> Captures { get; }

    /// <summary>When the page was written (UTC).</summary>
    public DateTime CreatedUtc { get; }

    public override string ToString() => Path;
}
