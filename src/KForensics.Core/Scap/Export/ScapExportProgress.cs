namespace KForensics.Core.Scap.Export;

/// <summary>How far an export is: the pass (1 collects the tables, 2 writes the events), the capture, and the share of both passes done.</summary>
public readonly record struct ScapExportProgress(int Pass, int Index, int Count, string Capture, int PercentComplete);

/// <summary>Counts events and, every so many, tells the progress how many bytes of all the captures both passes have read.</summary>
internal sealed class ExportMeter
{
    private const int Interval = 16384;
    private readonly IReadOnlyList<string> _sources;
    private readonly IProgress<ScapExportProgress>? _progress;
    private readonly long[] _before;
    private readonly long _total;
    private int _pass;
    private int _index;
    private ScapEventReader? _reader;
    private int _since;

    public ExportMeter(IReadOnlyList<string> sources, IProgress<ScapExportProgress>? progress)
    {
        _sources = sources;
        _progress = progress;
        _before = new long[sources.Count];
        for (int i = 0; i < sources.Count; i++)
        {
            _before[i] = _total;
            _total += File.Exists(sources[i]) ? new FileInfo(sources[i]).Length : 0;
        }
    }

    public void Start(int pass, int index, ScapEventReader reader)
    {
        (_pass, _index, _reader, _since) = (pass, index, reader, 0);
        Report();
    }

    public void Tick()
    {
        if (_progress is not null && ++_since == Interval)
        {
            _since = 0;
            Report();
        }
    }

    private void Report()
    {
        if (_progress is null || _reader is null)
        {
            return;
        }

        long done = (_pass - 1) * _total + _before[_index] + _reader.BytesRead;
        int percent = _total == 0 ? 0 : (int)Math.Clamp(done * 50 / _total, 0, 100);
        _progress.Report(new ScapExportProgress(_pass, _index, _sources.Count, _sources[_index], percent));
    }
}
