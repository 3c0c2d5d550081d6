using System.Globalization;
using System.Text;
using System.Text.Json;

namespace KForensics.Core.Falco;

/// <summary>One alert: a rule that matched an event of a capture, with Falco's output for it.</summary>
public sealed class FalcoAlert
{
    internal FalcoAlert(FalcoRule rule, DateTime time, ulong timestamp, string output, IReadOnlyDictionary<string, string?> fields,
        ulong eventNumber, string capture, string? containerId, string? containerName)
    {
        Rule = rule.Name;
        Priority = rule.Priority;
        Source = rule.Source;
        Tags = rule.Tags;
        Time = time;
        Timestamp = timestamp;
        Output = output;
        OutputFields = fields;
        EventNumber = eventNumber;
        Capture = capture;
        ContainerId = containerId;
        ContainerName = containerName;
    }

    /// <summary>The event's time, UTC.</summary>
    public DateTime Time { get; }

    /// <summary>The event's time in nanoseconds since the epoch.</summary>
    public ulong Timestamp { get; }

    public string Rule { get; }

    public FalcoPriority Priority { get; }

    public string Source { get; }

    public IReadOnlyList<string> Tags { get; }

    /// <summary>The rule's output with every field printed (<c>&lt;NA&gt;</c> where it has no value).</summary>
    public string Output { get; }

    /// <summary>The output's fields as written in it, with their values (null where Falco prints &lt;NA&gt;).</summary>
    public IReadOnlyDictionary<string, string?> OutputFields { get; }

    /// <summary>sysdig's evt.num of the event.</summary>
    public ulong EventNumber { get; }

    /// <summary>The capture file the event came from.</summary>
    public string Capture { get; }

    public string? ContainerId { get; }

    public string? ContainerName { get; }

    /// <summary>The time as Falco prints it with <c>time_format_iso_8601</c>: nanoseconds, UTC.</summary>
    public string IsoTime => Falco.FalcoTime.Iso8601(Timestamp);

    /// <summary>Falco's text line (ISO 8601 time).</summary>
    public override string ToString() => $"{IsoTime}: {FalcoTime.LongName(Priority)} {Output}";

    /// <summary>Falco's JSON line: keys in Falco's order, output fields with the event time in nanoseconds.</summary>
    public string Json
    {
        get
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteStartObject();
                json.WriteString("output", $"{IsoTime}: {FalcoTime.LongName(Priority)} {Output}");
                json.WriteString("priority", FalcoTime.LongName(Priority));
                json.WriteString("rule", Rule);
                json.WriteString("source", Source);
                json.WriteStartArray("tags");
                foreach (string tag in Tags.Order(StringComparer.Ordinal))
                {
                    json.WriteStringValue(tag);
                }

                json.WriteEndArray();
                json.WriteString("time", IsoTime);
                json.WriteStartObject("output_fields");
                foreach (var (name, value) in OutputFields.OrderBy(f => f.Key, StringComparer.Ordinal))
                {
                    if (name is "evt.time" or "evt.time.iso8601")
                    {
                        json.WriteNumber(name, Timestamp);
                    }
                    else if (value is null)
                    {
                        json.WriteNull(name);
                    }
                    else if (IsNumeric(name) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n))
                    {
                        json.WriteNumber(name, n);
                    }
                    else
                    {
                        json.WriteString(name, value);
                    }
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            return Encoding.UTF8.GetString(buffer.ToArray());
        }
    }

    private static bool IsNumeric(string token)
    {
        string name = token.Split('[')[0];
        return Filtering.FieldCatalog.TryGet(name, out var field) && field.Type is Filtering.FieldType.Int16 or Filtering.FieldType.Int32
            or Filtering.FieldType.Int64 or Filtering.FieldType.UInt32 or Filtering.FieldType.UInt64 or Filtering.FieldType.Port;
    }
}

/// <summary>How Falco writes times and priorities in its lines.</summary>
internal static class FalcoTime
{
    internal static string Iso8601(ulong nanoseconds)
    {
        DateTime t = DateTime.UnixEpoch.AddTicks((long)(nanoseconds / 100));
        return t.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) + "." + (nanoseconds % 1_000_000_000).ToString("D9", CultureInfo.InvariantCulture) + "Z";
    }

    internal static string LongName(FalcoPriority priority) => priority.ToString();
}
