using System.Globalization;
using KForensics.Core.Filtering;
using YamlDotNet.RepresentationModel;

namespace KForensics.Core.Falco;

/// <summary>
/// Loads Falco rules files with Falco's semantics: lists substituted as text, macros substituted in the
/// condition tree, append and override, exceptions, redefinitions that keep their first position, and
/// Falco's error and warning codes. A load with errors still returns the set, without the failed items.
/// </summary>
public static partial class FalcoRuleLoader
{
    /// <summary>The rules engine version the loader stands for (rules may require up to this).</summary>
    public static Version EngineVersion { get; } = new(0, 63, 0);

    private static readonly HashSet<string> Comparisons = new(StringComparer.Ordinal)
    {
        "=", "==", "!=", "<", "<=", ">", ">=", "contains", "icontains", "bcontains", "startswith", "bstartswith",
        "endswith", "glob", "iglob", "in", "intersects", "pmatch",
    };

    private static readonly HashSet<string> SetComparisons = new(StringComparer.Ordinal) { "in", "intersects", "pmatch" };

    /// <summary>Loads files, and the files of directories in name order, in the order given.</summary>
    public static FalcoRuleSet Load(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new List<(string, string)>();
        foreach (string path in ExpandPaths(paths))
        {
            files.Add((path, File.ReadAllText(path)));
        }

        return LoadContent(files);
    }

    /// <summary>The files <see cref="Load"/> reads for <paramref name="paths"/>: directories become their files in ordinal name order.</summary>
    public static IReadOnlyList<string> ExpandPaths(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path)
                    .Where(f => !Path.GetFileName(f).StartsWith('.'))
                    .Order(StringComparer.Ordinal));
            }
            else
            {
                files.Add(path);
            }
        }

        return files;
    }

    /// <summary>Loads rules from (name, YAML text) pairs, in order.</summary>
    public static FalcoRuleSet LoadContent(IEnumerable<(string Name, string Content)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var load = new LoadState();
        var names = new List<string>();
        foreach (var (name, content) in files)
        {
            names.Add(name);
            foreach (FalcoItem item in FalcoRuleReader.Read(name, content, load.Messages))
            {
                load.Collect(item);
            }
        }

        return load.Compile(names);
    }

    private abstract class Definition(string name, FalcoItem item, int order)
    {
        public string Name { get; } = name;

        public FalcoItem Item { get; } = item;

        public int Order { get; } = order;

        public bool Used { get; set; }
    }

    private sealed class ListDefinition(string name, FalcoItem item, int order) : Definition(name, item, order)
    {
        public List<string> Items { get; set; } = [];

        public List<string> Resolved { get; set; } = [];
    }

    private sealed class MacroDefinition(string name, FalcoItem item, int order) : Definition(name, item, order)
    {
        public string Condition { get; set; } = string.Empty;

        public FilterNode? Tree { get; set; }

        public FilterSyntaxException? Failure { get; set; }

        public FilterNode? Expanded { get; set; }

        public bool Expanding { get; set; }
    }

    private sealed class ExceptionDefinition
    {
        public required string Name { get; init; }

        public bool SingleField { get; set; }

        public List<string> Fields { get; set; } = [];

        public List<string> Comps { get; set; } = [];

        public List<YamlNode> Values { get; } = [];
    }

    private sealed class RuleDefinition(string name, FalcoItem item, int order) : Definition(name, item, order)
    {
        public string? Description { get; set; }

        public string Condition { get; set; } = string.Empty;

        public string Output { get; set; } = string.Empty;

        public FalcoPriority Priority { get; set; }

        public List<string> Tags { get; set; } = [];

        public string Source { get; set; } = FalcoRuleSet.SyscallSource;

        public bool Enabled { get; set; } = true;

        public List<ExceptionDefinition> Exceptions { get; } = [];

        public bool WarnEventTypes { get; set; } = true;

        public bool SkipIfUnknownFilter { get; set; }
    }

    /// <summary>A load error found while compiling an item.</summary>
    private sealed class LoadFailure(string code, string message) : Exception(message)
    {
        public string Code { get; } = code;
    }
}
