using System.Net;
using System.Runtime.InteropServices;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Writing;

namespace KForensics.Core.Scap.Export;

/// <summary>What an export wrote.</summary>
/// <param name="EventCount">Events written to be shown (including enter events written for their exits).</param>
/// <param name="StateEventCount">Events written state-only: readers apply them to their tables but do not show them.</param>
public sealed record ScapExportSummary(long EventCount, long StateEventCount, int ThreadCount, int FdCount, int ContainerCount);

/// <summary>
/// Writes the events of captures that pass a filter to a new capture whose process and fd lists hold
/// only what those events use. The state tables are taken as the reader sees them at the first exported
/// event of each thread (and at the first exported use of each fd), so a reader starting from the new
/// file shows the same process, fd and container for those events as the original did. Later changes
/// to those threads (an execve, a close, a connect) that the filter does not select can be written as
/// state-only events, which readers apply but do not show, so the exported events keep seeing the
/// state they saw in the original.
/// </summary>
public static partial class ScapExporter
{
    /// <summary>
    /// Reads <paramref name="sources"/> twice: once to collect the threads, fds and containers the
    /// selected events use, once to copy the events themselves (so memory stays bounded by the tables).
    /// </summary>
    /// <param name="includeEnterEvents">
    /// Also write the enter event of each exported exit whose enter did not pass the filter, so readers
    /// pair them as in the original (sysdig 0.29.3 crashes on some old exits read without their enter).
    /// </param>
    /// <param name="includeStateEvents">
    /// Also write, state-only, the events that change the state of an exported thread (those the event
    /// table flags as modifying state) after its first exported event and that the filter does not select.
    /// </param>
    /// <param name="progress">Told now and then, on the calling thread, how far the two passes are.</param>
    public static ScapExportSummary Export(IReadOnlyList<string> sources, string filter, Stream destination, bool gzip, bool includeEnterEvents,
        bool includeStateEvents, CancellationToken cancellationToken, IProgress<ScapExportProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(destination);
        Func<ScapFilterContext, bool> compiled = ScapFieldBinder.Compile(filter);
        var tables = new ExportTables();
        var meter = new ExportMeter(sources, progress);
        Func<ScapFilterContext, bool> collect = c =>
        {
            meter.Tick();
            return compiled(c);
        };
        for (int index = 0; index < sources.Count; index++)
        {
            string source = sources[index];
            tables.StartSource(index);
            using ScapEventReader reader = ScapEventReader.Open(source, filter: collect);
            meter.Start(1, index, reader);
            while (reader.TryRead(out ScapEvent? ev))
            {
                cancellationToken.ThrowIfCancellationRequested();
                tables.Record(reader.State, ev);
            }

            tables.RecordMetadata(reader.State);
        }

        using var writer = new ScapWriter(destination, gzip, leaveOpen: true);
        tables.WriteMetadata(writer);
        long events = 0;
        long stateEvents = 0;
        bool passed = false;

        // The reader builds events for the selected ones and, when asked, for the state changes of
        // exported threads; `passed` tells them apart. The filter runs inside the parser, as sysdig's
        // does, so it sees every enter, also those it rejects and the parser then never stores.
        var enters = new LastEnters();
        bool writeEnters = includeEnterEvents || includeStateEvents;
        Func<ScapFilterContext, bool> select = c =>
        {
            meter.Tick();
            if (writeEnters && c.Info.IsEnter)
            {
                enters.Remember(c.Raw);
            }

            passed = compiled(c);
            return passed || (includeStateEvents && tables.ChangesExportedState(c));
        };
        for (int index = 0; index < sources.Count; index++)
        {
            string source = sources[index];
            tables.StartSource(index);
            using ScapEventReader reader = ScapEventReader.Open(source, filter: select);
            meter.Start(2, index, reader);
            var lastWritten = new Dictionary<long, ulong>();
            while (reader.TryRead(out ScapEvent? ev))
            {
                cancellationToken.ThrowIfCancellationRequested();
                RawEvent raw = ev.Raw;
                if (!passed)
                {
                    WriteStored(writer, raw, stateOnly: true);
                    lastWritten[raw.ThreadId] = raw.Timestamp;
                    stateEvents++;
                    continue;
                }

                // The enter of an exported exit: shown with -IncludeEnterEvents, else state-only, so that
                // readers pair the exit with it as in the original and resolve its fd the same way.
                if (writeEnters && !ev.EventInfo.IsEnter && enters.Find(raw.ThreadId) is { } enter
                    && enter.Type == raw.Type - 1 && enter.Timestamp <= raw.Timestamp
                    && (!lastWritten.TryGetValue(raw.ThreadId, out ulong last) || last < enter.Timestamp))
                {
                    WriteStored(writer, enter, stateOnly: !includeEnterEvents);
                    if (includeEnterEvents)
                    {
                        events++;
                    }
                    else
                    {
                        stateEvents++;
                    }
                }

                WriteStored(writer, raw);
                lastWritten[raw.ThreadId] = raw.Timestamp;
                events++;
            }
        }

        writer.Flush();
        return new ScapExportSummary(events, stateEvents, tables.ThreadCount, tables.FdCount, tables.ContainerCount);
    }

    /// <summary>The last enter event of each thread, copied out of the reader's buffers.</summary>
    private sealed class LastEnters
    {
        private readonly Dictionary<long, RawEvent> _byThread = [];

        public void Remember(in RawEvent enter)
        {
            // One lookup per enter; the thread's buffer is reused while it is big enough.
            ref RawEvent kept = ref CollectionsMarshal.GetValueRefOrAddDefault(_byThread, enter.ThreadId, out _);
            byte[]? buffer = kept.Buffer;
            kept = enter.Detach(ref buffer);
        }

        public RawEvent? Find(long tid) => _byThread.TryGetValue(tid, out RawEvent kept) ? kept : null;
    }

    /// <summary>Copies an event as stored: every parameter the file had, even those the table does not name.</summary>
    private static void WriteStored(ScapWriter writer, RawEvent raw, bool stateOnly = false)
    {
        int count = raw.FileParamCount;
        byte[][] parameters = new byte[count][];
        Span<int> starts = count <= 64 ? stackalloc int[count] : new int[count];
        Span<int> lengths = count <= 64 ? stackalloc int[count] : new int[count];
        var stored = new Params(raw, count, starts, lengths);
        for (int i = 0; i < count; i++)
        {
            parameters[i] = stored.Value(i).ToArray();
        }

        writer.WriteEncodedEvent(raw.Timestamp, raw.ThreadId, raw.Cpu, raw.Type, parameters, raw.WideLengths, stateOnly);
    }
}
