namespace KForensics.Tests.Scap;

/// <summary>
/// The events of ../shared/captures whose evt.info is known to differ from what sysdig 0.29.3 prints,
/// checked by <see cref="InfoDifferentialTests"/> and <see cref="CorpusDifferentialTests"/>, which
/// otherwise require every event sysdig prints to have exactly sysdig's evt.info. An entry names the
/// file, the event number, sysdig's text, ours, and why ours is right (or why the difference stays);
/// an entry that no longer matches what both print fails those tests, so the list cannot go stale.
/// The corpus needs none today.
/// </summary>
internal static class InfoKnownDifferences
{
    public sealed record Entry(string File, ulong Number, string Sysdig, string Ours, string Why);

    public static IReadOnlyList<Entry> All { get; } = [];

    /// <summary>The entries of one capture, by event number.</summary>
    public static Dictionary<ulong, Entry> For(string file)
        => All.Where(e => e.File == file).ToDictionary(e => e.Number);

    /// <summary>
    /// Compares sysdig's and our evt.info for one capture: <paramref name="events"/> holds, per event sysdig
    /// printed, its number, type, sysdig's text and ours (null: we have no such event). Returns the problems:
    /// every difference not listed, every listed difference whose texts are not those listed, and every
    /// entry of the file that was not seen.
    /// </summary>
    public static List<string> Check(string file, IEnumerable<(ulong Number, string Type, string Sysdig, string? Ours)> events)
    {
        Dictionary<ulong, Entry> known = For(file);
        var seen = new HashSet<ulong>();
        var problems = new List<string>();
        foreach ((ulong number, string type, string sysdig, string? ours) in events)
        {
            if (known.TryGetValue(number, out Entry? entry))
            {
                seen.Add(number);
                if (entry.Sysdig != sysdig || entry.Ours != ours)
                {
                    problems.Add($"#{number} {type} is listed as a known difference, but now\n      sysdig: {sysdig}\n      ours:   {ours ?? "(no event)"}");
                }

                continue;
            }

            if (ours != sysdig)
            {
                problems.Add($"#{number} {type}\n      sysdig: {sysdig}\n      ours:   {ours ?? "(no event)"}");
            }
        }

        foreach (Entry entry in known.Values.Where(e => !seen.Contains(e.Number)))
        {
            problems.Add($"#{entry.Number} is listed as a known difference, but sysdig printed no such event");
        }

        return problems;
    }
}
