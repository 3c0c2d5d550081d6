using System.Buffers.Binary;
using System.Diagnostics;
using KForensics.Tests.Scap.Writer;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Scap;

/// <summary>
/// Thousands of randomly damaged real captures (fixed seed, bounded time): the engine reports
/// damage only as <see cref="ScapFormatException"/>; no other exception escapes and nothing hangs.
/// </summary>
public sealed class RandomMutationTests(ITestOutputHelper output)
{
    private const int Seed = 20240314;
    private const int Mutations = 5000;
    private const int MaxSourceBytes = 192 * 1024;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(120);
    private static readonly string CaptureFolder = Path.Combine(RepositoryRoot(), "..", "shared", "captures");

    [SkippableFact]
    public void MutatedRealCapturesOnlyEverRaiseScapFormatException()
    {
        Skip.IfNot(Directory.Exists(CaptureFolder), $"{CaptureFolder} is absent");
        List<(string Name, byte[] Data)> sources = Directory.GetFiles(CaptureFolder, "*.scap*").Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), Prefix(DamageHarness.Gunzip(File.ReadAllBytes(f))))).ToList();
        Skip.If(sources.Count == 0, $"no captures in {CaptureFolder}");

        var random = new Random(Seed);
        var clock = Stopwatch.StartNew();
        int done = 0;
        int errors = 0;
        var escaped = new List<string>();
        var distinct = new HashSet<string>();
        for (; done < Mutations && clock.Elapsed < Budget; done++)
        {
            (string name, byte[] data) = sources[done % sources.Count];
            (byte[] mutated, string how) = Mutate(data, random);
            if (done % 5 == 4)
            {
                mutated = DamageHarness.Gzip(mutated);
                how += ", gzip";
                if (random.Next(2) == 0)
                {
                    mutated = mutated[..random.Next(mutated.Length)];
                    how += $" cut at {mutated.Length}";
                }
            }

            try
            {
                DamageHarness.Result result = DamageHarness.Read(mutated, name);
                if (result.Errors.Count > 1)
                {
                    escaped.Add($"mutation {done} of {name} ({how}): {result.Errors.Count} errors");
                }

                errors += result.Errors.Count;
            }
            catch (Exception e)
            {
                // Keep going: one run then lists every distinct escape (by exception type and throwing frame).
                Exception cause = e is AggregateException { InnerException: { } inner } ? inner : e;
                string where = cause.StackTrace?.Split('\n').FirstOrDefault()?.Trim() ?? "?";
                if (distinct.Add($"{cause.GetType().Name} {where}"))
                {
                    escaped.Add($"mutation {done} of {name} ({how}, seed {Seed}): {cause.GetType().Name}: {cause.Message} {where}");
                }
            }
        }

        output.WriteLine($"{done} mutations of {sources.Count} captures in {clock.Elapsed.TotalSeconds:F1} s; {errors} reported damage");
        Assert.True(escaped.Count == 0, string.Join(Environment.NewLine, escaped));
        Assert.True(done >= 1000, $"only {done} mutations ran within {Budget.TotalSeconds} s");
        Assert.True(errors > done / 4, $"only {errors} of {done} mutations were reported as damage");
    }

    // Large captures are cut at a block boundary so that thousands of reads fit the time budget.
    private static byte[] Prefix(byte[] data)
    {
        if (data.Length <= MaxSourceBytes)
        {
            return data;
        }

        long end = DamageHarness.Blocks(data).Select(b => b.Offset + b.Length).Where(e => e <= MaxSourceBytes).DefaultIfEmpty(MaxSourceBytes).Max();
        return data[..(int)end];
    }

    private static (byte[] Data, string How) Mutate(byte[] source, Random random)
    {
        byte[] data = (byte[])source.Clone();
        switch (random.Next(5))
        {
            case 0:
                {
                    int count = 1 + random.Next(8);
                    for (int i = 0; i < count; i++)
                    {
                        data[random.Next(data.Length)] ^= (byte)(1 + random.Next(255));
                    }

                    return (data, $"{count} bytes flipped");
                }

            case 1:
                {
                    int at = random.Next(Math.Max(1, data.Length - 4));
                    uint[] edges = { 0, 1, 4, 12, 0x7FFFFFFF, 0xFFFFFFFF, 0xFFFF, 0x10000, (uint)random.Next() };
                    uint value = edges[random.Next(edges.Length)];
                    BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(at), value);
                    return (data, $"u32 {value} written at {at}");
                }

            case 2:
                {
                    // Hit a block length field exactly: the most damaging single change.
                    List<DamageHarness.Block> blocks = DamageHarness.Blocks(source);
                    DamageHarness.Block block = blocks[random.Next(blocks.Count)];
                    uint value = (uint)(block.Length + (random.Next(17) - 8));
                    BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan((int)block.Offset + 4), value);
                    return (data, $"length of the block at {block.Offset} set to {value}");
                }

            case 3:
                {
                    int cut = random.Next(data.Length);
                    return (data[..cut], $"cut at {cut}");
                }

            default:
                {
                    int at = random.Next(data.Length);
                    int length = Math.Min(1 + random.Next(64), data.Length - at);
                    byte[] shorter = new byte[data.Length - length];
                    data.AsSpan(0, at).CopyTo(shorter);
                    data.AsSpan(at + length).CopyTo(shorter.AsSpan(at));
                    return (shorter, $"{length} bytes removed at {at}");
                }
        }
    }

    private static string RepositoryRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "build.ps1")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? Directory.GetCurrentDirectory();
    }
}
