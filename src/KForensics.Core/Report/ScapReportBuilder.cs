using System.Security.Cryptography;
using KForensics.Core.Analysis;
using KForensics.Core.Evidence;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;

namespace KForensics.Core.Report;

/// <summary>What a report covers, besides its captures.</summary>
public sealed class ScapReportOptions
{
    public string Title { get; init; } = "Capture report";

    /// <summary>A sysdig filter every section is limited to, or null for every event.</summary>
    public string? Filter { get; init; }

    /// <summary>Rows shown per table at most (the views' own order decides which).</summary>
    public int MaxRows { get; init; } = 1000;

    /// <summary>The tool and version named in the page.</summary>
    public string Generator { get; init; } = "KForensics";

    /// <summary>The view sections after the summary and the timeline.</summary>
    public IReadOnlyList<ReportSectionSource> Sections { get; init; } = ReportSections.Views;
}

/// <summary>
/// Reads captures for a report: each file is hashed, then read once, every section's view and the
/// timeline observing the same pass (<see cref="ScapView.ReadAll(string, IReadOnlyList{ScapView}, IProgress{long}?, CancellationToken)"/>).
/// </summary>
public static class ScapReportBuilder
{
    private const int HashBuffer = 1 << 16;

    /// <summary>The anchors of the page's own parts, which no view section may take.</summary>
    private static readonly string[] ReservedIds = ["captures", "summary", "timeline", "activity"];

    /// <summary>
    /// Builds the report of <paramref name="captures"/>. A damaged or unreadable capture does not stop the
    /// report: its figures count the events before the damage and <see cref="ReportCapture.Damage"/> says where.
    /// </summary>
    /// <exception cref="FilterSyntaxException">The filter does not compile.</exception>
    public static ScapReport Build(IReadOnlyList<string> captures, ScapReportOptions options, IProgress<ScapReportProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(captures);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRows, 1);
        string[] ids = [.. ReservedIds, .. options.Sections.Select(s => s.Id)];
        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Length)
        {
            throw new ArgumentException($"Section ids must differ from each other and from {string.Join(", ", ReservedIds)}.", nameof(options));
        }

        Func<ScapFilterContext, bool>? filter = options.Filter is null ? null : ScapFieldBinder.Compile(options.Filter);

        long[] lengths = captures.Select(Length).ToArray();
        long total = 2 * lengths.Sum();
        long done = 0;
        var summaries = new List<object>();
        var containers = new List<object>();
        var rows = options.Sections.Select(_ => new List<object>()).ToArray();
        var read = new List<ReportCapture>();

        for (int i = 0; i < captures.Count; i++)
        {
            string path = captures[i];
            int index = i;
            void Report(string activity, long bytes) => progress?.Report(new ScapReportProgress(path, index, captures.Count, activity, done + bytes, total));

            string sha = Hash(path, b => Report("Hashing", b), cancellationToken, out ScapFormatException? unreadable);
            done += lengths[i];

            var timeline = new ActivityTimeline(filter);
            ScapView[] views = [timeline, .. options.Sections.Select(s => s.CreateView(filter))];
            ScapFormatException? damage = unreadable;
            if (damage is null)
            {
                try
                {
                    ScapView.ReadAll(path, views, new Callback(b => Report("Reading", b)), cancellationToken);
                }
                catch (ScapFormatException ex)
                {
                    damage = ex;
                }
            }

            done += lengths[i];
            Report("Read", 0);
            read.Add(new ReportCapture(path, lengths[i], sha, timeline, damage));
            summaries.Add(timeline.Summary(path));
            containers.AddRange(timeline.Containers(path));
            for (int s = 0; s < rows.Length; s++)
            {
                rows[s].AddRange(views[s + 1].RowObjects(path));
            }
        }

        var sections = new List<ReportSection>
        {
            new("summary", "Summary", ReportLayout.KeyValue, "Events, time span and the activity the timeline marks, per capture.", summaries),
            new("activity", "Activity per container", ReportLayout.Table,
                "Events per container (the host included), with the executed commands, file opens and connections the timeline marks.", containers),
        };
        sections.AddRange(options.Sections.Select((s, i) => new ReportSection(s.Id, s.Title, s.Layout, s.Description, rows[i])));
        return new ScapReport(options.Title, DateTime.UtcNow, options.Generator, options.Filter, options.MaxRows, read, sections);
    }

    private static long Length(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static string Hash(string path, Action<long> progress, CancellationToken cancellationToken, out ScapFormatException? failure)
    {
        failure = null;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, HashBuffer, FileOptions.SequentialScan);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] buffer = new byte[HashBuffer];
            long position = 0;
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, n);
                position += n;
                if ((position & ((1 << 24) - 1)) < n)
                {
                    progress(position);
                }
            }

            return EvidenceHash.ToHex(hash.GetHashAndReset());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            failure = new ScapFormatException(ScapErrorKind.ReadFailed, path, 0, 0, ex.Message, ex);
            return string.Empty;
        }
    }

    /// <summary>Reports on the reading thread itself, so the caller may act on it at once (no synchronisation context hop).</summary>
    private sealed class Callback(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
