using KForensics.Core.Scap.Format;
using KForensics.Core.Scap.Reading;

namespace KForensics.Core.Analysis;

/// <summary>
/// The times a chisel learns from a first run over a capture (sysdig's wsysdig_summary runs itself
/// twice): when the first event was read and when the last one was read.
/// </summary>
/// <param name="First">sinsp's first event time: the first event that is not a container description.</param>
/// <param name="Last">The time of the last event read.</param>
/// <param name="Any">Whether the capture has an event a chisel gets (one after the container descriptions sysdig consumes while opening the file).</param>
public readonly record struct CaptureSpan(ulong First, ulong Last, bool Any)
{
    /// <summary>Reads only the event headers of <paramref name="path"/>; at damage, the span of the events before it.</summary>
    public static CaptureSpan Scan(string path, CancellationToken cancellationToken)
    {
        ulong first = 0;
        ulong last = 0;
        bool any = false;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            using var blocks = new ScapBlockReader(stream, path, new IgnoredMetadata());
            long n = 0;
            while (blocks.ReadEvent(out RawEvent raw, out EventInfo info))
            {
                if ((++n & 0xFFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                if (!info.IsSysdigKnown)
                {
                    continue;
                }

                ulong ts = raw.Timestamp;
                bool json = info.Id is EventIds.ContainerJsonE or EventIds.ContainerJson2E;
                if (first == 0 && !json)
                {
                    first = ts;
                }

                // sinsp consumes the container events at the head of a file while opening it.
                any |= !json && info.Id != EventIds.ContainerE;

                last = ts;
            }
        }
        catch (Exception ex) when (ex is ScapFormatException or IOException or UnauthorizedAccessException)
        {
            // The main pass reports the damage; the span covers what can be read.
        }

        return new CaptureSpan(first, last, any);
    }

    private sealed class IgnoredMetadata : IScapMetadataSink
    {
        public void OnMachineInfo(MachineInfo info)
        {
        }

        public void OnProcess(ProcessRecord process)
        {
        }

        public void OnFd(long tid, FdRecord fd)
        {
        }

        public void OnInterface(InterfaceRecord entry)
        {
        }

        public void OnUser(UserRecord user)
        {
        }

        public void OnGroup(GroupRecord group)
        {
        }
    }
}
