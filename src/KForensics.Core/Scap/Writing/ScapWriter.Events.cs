using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.Writing;

public sealed partial class ScapWriter
{
    /// <summary>Id of PPME_CONTAINER_JSON_2_E: one CHARBUF parameter with u32 lengths.</summary>
    private const ushort ContainerJson2 = EventIds.ContainerJson2E;

    /// <summary>
    /// Writes one event of the given type; the event table supplies each parameter's type and whether
    /// lengths are u32 (LARGE_PAYLOAD). Pass the values in table order; fewer values than the table lists
    /// give an event with fewer parameters, as older writers produced.
    /// </summary>
    public void WriteEvent(ulong timestamp, long tid, ushort cpu, ushort type, params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        EventInfo info = EventTable.Get(type);
        if (values.Length > info.Params.Count)
        {
            throw new ArgumentException($"{info.Name} ({type}) has {info.Params.Count} parameters; {values.Length} values given.", nameof(values));
        }

        byte[][] encoded = new byte[values.Length][];
        for (int i = 0; i < values.Length; i++)
        {
            try
            {
                encoded[i] = ScapParamEncoder.Encode(info.Params[i].Type, values[i]);
            }
            catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
            {
                throw new ArgumentException($"{info.Name} ({type}) parameter {info.Params[i].Name}: {e.Message}", nameof(values), e);
            }
        }

        WriteEncodedEvent(timestamp, tid, cpu, type, encoded, (info.Flags & EventFlags.LargePayload) != 0);
    }

    /// <summary>
    /// Writes a container JSON event. Writers put one per known container at the start of the file with
    /// timestamp 0 (sysdig consumes but never prints those) and again, timestamped, when a container appears.
    /// </summary>
    public void WriteContainer(ContainerDescription container, ulong timestamp = 0, long tid = -1, ushort cpu = 0)
    {
        ArgumentNullException.ThrowIfNull(container);
        WriteTypedEvent(timestamp, tid, cpu, ContainerJson2, new[] { ParamType.CharBuf }, new object?[] { container.ToJson() }, wideLengths: true);
    }
}
