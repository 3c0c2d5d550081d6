using KForensics.Generator;
using KForensics.Tests.Scap;
using Xunit;

namespace KForensics.Tests.Generator;

/// <summary>The checked-in tables are what the generator makes of the data files and sysdig's lists.</summary>
public sealed class GeneratedTablesTests
{
    [SkippableFact]
    public void CheckedInTablesAreWhatTheGeneratorWrites()
    {
        Skip.If(SysdigOracle.Executable is null, "sysdig is not installed");
        string version = SysdigOracle.Run("--version").Trim();
        Skip.If(version != "sysdig version " + Generation.SysdigVersion, $"the tables describe sysdig {Generation.SysdigVersion}, not '{version}'");

        string root = RepositoryRoot();
        string output = Path.Combine(Path.GetTempPath(), "kf-generated-" + Guid.NewGuid().ToString("N"));
        try
        {
            IReadOnlyList<string> written = Generation.Run(root, output, SysdigOracle.Executable!);
            Assert.Equal(Paths.All, written);
            var drifted = new List<string>();
            foreach (string path in written)
            {
                string checkedIn = Path.Combine(root, path);
                if (!File.Exists(checkedIn) || !File.ReadAllBytes(checkedIn).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(output, path))))
                {
                    drifted.Add(path);
                }
            }

            Assert.True(drifted.Count == 0, $"Generated tables differ from the checked-in ones (run build.ps1 -Task Generate): {string.Join(", ", drifted)}");
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    [SkippableFact]
    public void GeneratorRefusesDataThatDisagreesWithSysdig()
    {
        // A data row that no longer lines up with sysdig -L (here: a parameter too many on an event sysdig
        // lists) stops the generator instead of writing a table sysdig would not print.
        Skip.If(SysdigOracle.Executable is null, "sysdig is not installed");
        Skip.If(SysdigOracle.Run("--version").Trim() != "sysdig version " + Generation.SysdigVersion, "another sysdig version");

        string root = RepositoryRoot();
        string copy = Path.Combine(Path.GetTempPath(), "kf-generator-root-" + Guid.NewGuid().ToString("N"));
        try
        {
            string data = Path.Combine(copy, "src", "Generator", "Data");
            Directory.CreateDirectory(data);
            foreach (string file in Directory.GetFiles(Path.Combine(root, "src", "Generator", "Data")))
            {
                File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
            }

            string oracle = Path.Combine(data, "events-sysdig-0.29.3.tsv");
            string[] lines = File.ReadAllLines(oracle);
            int open = Array.FindIndex(lines, l => l.StartsWith("2\topen\t", StringComparison.Ordinal));
            lines[open] += "\tDec";
            File.WriteAllLines(oracle, lines);

            var error = Assert.Throws<FormatException>(() => Generation.Run(copy, Path.Combine(copy, "out"), SysdigOracle.Executable!));
            Assert.Contains("event 2 (open, 4 parameters)", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KForensics.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (KForensics.slnx) is not above the test binaries.");
    }
}
