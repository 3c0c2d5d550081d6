using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace KForensics.Tests.Architecture;

/// <summary>
/// The arrows inside KForensics.Core run one way. The Core sources are compiled here and every name
/// in them is bound, so a reference counts however it is written: through a <c>using</c>, fully
/// qualified, or unqualified where C# finds a parent namespace's type without one. Constants count
/// too (the compiler inlines them, so the built assembly would not show them).
/// </summary>
public sealed class LayeringTests
{
    // The areas of KForensics.Core (namespaces under it; a namespace belongs to the longest area
    // naming it or one of its parents) and the areas each may use besides itself. Lower may not use higher.
    private static readonly string[] Vocabulary = ["Scap.Format"];
    private static readonly string[] UpToReading = [.. Vocabulary, "Scap.Reading"];
    private static readonly string[] UpToDecoding = [.. UpToReading, "Scap.Decoding"];
    private static readonly string[] UpToState = [.. UpToDecoding, "Scap.State"];
    private static readonly string[] UpToFields = [.. UpToState, "Scap.Fields", "Filtering"];
    private static readonly string[] Engine = [.. UpToFields, "Scap"];

    internal static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        // Plumbing every area may build on: forward-only read and write streams, and where the libraries'
        // own logs go.
        ["IO"] = [],
        ["Diagnostics"] = [],

        // Leaves: evidence handling, the Docker client, the CRIU image reader, the filter language.
        ["Evidence"] = ["IO", "Diagnostics"],
        ["Docker"] = ["Diagnostics"],
        ["Criu"] = [],
        ["Filtering"] = [],

        // The scap engine, bottom up.
        ["Scap.Format"] = [],                  // the vocabulary: block types, event ids and table, fd types, parameters
        ["Scap.Reading"] = [.. Vocabulary, "IO"], // blocks, read-ahead streams, inputs
        ["Scap.Decoding"] = UpToReading,       // argument text as sysdig prints it
        ["Scap.State"] = UpToDecoding,         // the state sysdig's parser keeps
        ["Scap.Fields"] = [.. UpToState, "Filtering"], // the filter fields, bound through Filtering's IFieldBinder
        ["Scap"] = UpToFields,                 // ScapEventReader and ScapEvent: the reader the rest uses
        ["Scap.Writing"] = Vocabulary,         // the scap writer
        ["Scap.Export"] = [.. Engine, "Scap.Writing"],

        // Above the engine.
        ["Analysis"] = Engine,
        ["Falco"] = [.. Engine, "Analysis"],
        ["Report"] = [.. Engine, "Analysis", "Falco", "Evidence"],

        // Checkpoints and clusters.
        ["Checkpoints"] = ["Docker", "Criu", "Evidence"],
        ["Kubernetes"] = ["Evidence", "IO", "Diagnostics"],
    };

    // Members of the state parser that only the engine may touch: views see the state through the reader's seams.
    private static readonly (string Type, string[] Members)[] EngineOnly =
    [
        ("KForensics.Core.Scap.State.Inspector", ["SaveFocus", "RestoreFocus", "FocusOnFd", "FocusState"]),
    ];

    private static readonly Lazy<CSharpCompilation> Core = new(Compile);

    // One pass over Core binds every tree once: its errors and its references against the layering.
    private static readonly Lazy<(IReadOnlyList<string> Errors, IReadOnlyList<string> Violations)> CoreScan = new(() =>
    {
        CSharpCompilation compilation = Core.Value;
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        var violations = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.ForEach(compilation.SyntaxTrees, new ParallelOptions { MaxDegreeOfParallelism = 2 }, tree =>
        {
            SemanticModel model = compilation.GetSemanticModel(tree);
            foreach (Diagnostic d in model.GetDiagnostics())
            {
                // [GeneratedRegex] methods get their bodies from a source generator, which does not run here;
                // the calls to them still bind.
                if (d.Severity == DiagnosticSeverity.Error && d.Id != "CS8795")
                {
                    errors.Add(d.ToString());
                }
            }

            foreach (string v in Violations(compilation, model))
            {
                violations.Add(v);
            }
        });
        return ([.. errors.Order(StringComparer.Ordinal)], [.. violations.Order(StringComparer.Ordinal)]);
    });

    [Fact]
    public void TheCoreSourcesCompileHereSoEveryReferenceIsBound()
    {
        // An error would leave names unbound, and an unbound name is a reference the scan cannot see.
        IReadOnlyList<string> errors = CoreScan.Value.Errors;
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors.Take(10)));
    }

    [Fact]
    public void NoTwoPublicTypesOfCoreShareAName()
    {
        string[] twice = Core.Value.Assembly.GlobalNamespace.GetNamespaceMembers()
            .SelectMany(Descendants)
            .SelectMany(ns => ns.GetTypeMembers())
            .Where(t => t.DeclaredAccessibility == Accessibility.Public)
            .GroupBy(t => t.Name, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => string.Join(" and ", g.Select(t => t.ToDisplayString())))
            .ToArray();
        Assert.True(twice.Length == 0, "public types sharing a name: " + string.Join("; ", twice));
    }

    [Fact]
    public void EveryNamespaceOfCoreBelongsToAnArea()
    {
        string[] unmapped = Core.Value.Assembly.GlobalNamespace.GetNamespaceMembers()
            .SelectMany(Descendants)
            .Where(ns => ns.GetTypeMembers().Length > 0)
            .Select(ns => ns.ToDisplayString())
            .Where(ns => AreaOf(ns) is null)
            .ToArray();
        Assert.True(unmapped.Length == 0, "namespaces outside the layering map: " + string.Join(", ", unmapped));
    }

    [Fact]
    public void EveryReferenceInCoreFollowsTheLayering()
    {
        IReadOnlyList<string> violations = CoreScan.Value.Violations;
        Assert.True(violations.Count == 0, violations.Count + " references against the layering:" + Environment.NewLine + string.Join(Environment.NewLine, violations));
    }

    [Theory]
    // A parent namespace's type (and a constant the compiler inlines), with no using.
    [InlineData("namespace KForensics.Core.Scap.Format; internal static class Probe { internal const long Size = ScapEventReader.InflateAheadThreshold; }",
        "Scap.Format uses Scap: KForensics.Core.Scap.ScapEventReader")]
    // Fully qualified, from a leaf.
    [InlineData("namespace KForensics.Core.Filtering; internal static class Probe { internal static object Make() => new KForensics.Core.Scap.State.ThreadTable(); }",
        "Filtering uses Scap.State: KForensics.Core.Scap.State.ThreadTable")]
    // Through a using, by a constant only.
    [InlineData("using KForensics.Core.Docker;\nnamespace KForensics.Core.Evidence; internal static class Probe { internal static string Kind() => nameof(DockerErrorKind); }",
        "Evidence uses Docker: KForensics.Core.Docker")]
    // A member only the engine may use.
    [InlineData("using KForensics.Core.Scap.State;\nnamespace KForensics.Core.Analysis; internal static class Probe { internal static void Touch(Inspector s) => s.RestoreFocus(s.SaveFocus()); }",
        "Analysis uses an engine-only member: KForensics.Core.Scap.State.Inspector.SaveFocus")]
    public void AWrongReferenceIsFound(string source, string expected)
    {
        SyntaxTree probe = CSharpSyntaxTree.ParseText(source, Parse, "Probe.cs");
        CSharpCompilation compilation = Core.Value.AddSyntaxTrees(probe);
        IReadOnlyList<string> violations = Violations(compilation, compilation.GetSemanticModel(probe));
        Assert.Contains(violations, v => v.Contains(expected, StringComparison.Ordinal));
    }

    private static IEnumerable<INamespaceSymbol> Descendants(INamespaceSymbol ns)
        => new[] { ns }.Concat(ns.GetNamespaceMembers().SelectMany(Descendants));

    /// <summary>The area a namespace of Core belongs to, or null outside Core or outside the map.</summary>
    internal static string? AreaOf(string ns)
    {
        const string prefix = "KForensics.Core.";
        if (!ns.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        string rest = ns[prefix.Length..];
        return Allowed.Keys
            .Where(area => rest == area || rest.StartsWith(area + ".", StringComparison.Ordinal))
            .OrderByDescending(area => area.Length)
            .FirstOrDefault();
    }

    private static IReadOnlyList<string> Violations(CSharpCompilation compilation, SemanticModel model)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        SyntaxTree tree = model.SyntaxTree;
        {
            SyntaxNode root = tree.GetRoot();
            string? fromNamespace = root.DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault()?.Name.ToString();
            string? from = fromNamespace is null ? null : AreaOf(fromNamespace);
            if (from is null)
            {
                return [];
            }

            string file = Path.GetFileName(tree.FilePath);
            foreach (UsingDirectiveSyntax directive in root.DescendantNodes().OfType<UsingDirectiveSyntax>())
            {
                if (directive.NamespaceOrType is { } name && model.GetSymbolInfo(name).Symbol is INamespaceSymbol ns)
                {
                    Check(from, AreaOf(ns.ToDisplayString()), ns.ToDisplayString(), file, directive);
                }
            }

            foreach (SimpleNameSyntax name in root.DescendantNodes().OfType<SimpleNameSyntax>())
            {
                SymbolInfo info = model.GetSymbolInfo(name);
                ISymbol? symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
                if (symbol is null or INamespaceSymbol)
                {
                    continue;
                }

                INamedTypeSymbol? type = TypeOf(symbol);
                if (type is null || !SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, compilation.Assembly))
                {
                    continue;
                }

                string target = type.ToDisplayString();
                Check(from, AreaOf(type.ContainingNamespace.ToDisplayString()), target, file, name);

                string member = symbol.Name;
                string owner = (symbol as INamedTypeSymbol)?.ContainingType?.ToDisplayString() ?? symbol.ContainingType?.ToDisplayString() ?? target;
                if (!from.StartsWith("Scap", StringComparison.Ordinal)
                    && EngineOnly.Any(e => e.Type == owner && e.Members.Contains(member, StringComparer.Ordinal)))
                {
                    found.Add($"{from} uses an engine-only member: {owner}.{member} ({file}:{Line(name)})");
                }
            }
        }

        return [.. found];

        void Check(string from, string? to, string target, string file, SyntaxNode at)
        {
            if (to is null || to == from || Allowed[from].Contains(to, StringComparer.Ordinal))
            {
                return;
            }

            found.Add($"{from} uses {to}: {target} ({file}:{Line(at)})");
        }
    }

    private static int Line(SyntaxNode node) => node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;

    /// <summary>The outermost Core type a symbol names or belongs to (array, pointer and generic uses by their definition).</summary>
    private static INamedTypeSymbol? TypeOf(ISymbol symbol)
    {
        ITypeSymbol? type = symbol switch
        {
            ITypeSymbol t => t,
            IMethodSymbol { MethodKind: MethodKind.ReducedExtension } m => m.ReducedFrom?.ContainingType,
            _ => symbol.ContainingType,
        };
        while (type is IArrayTypeSymbol or IPointerTypeSymbol)
        {
            type = type is IArrayTypeSymbol a ? a.ElementType : ((IPointerTypeSymbol)type).PointedAtType;
        }

        INamedTypeSymbol? named = (type as INamedTypeSymbol)?.OriginalDefinition;
        while (named?.ContainingType is { } outer)
        {
            named = outer;
        }

        return named;
    }

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Preview, DocumentationMode.None);

    /// <summary>Compiles the Core sources (and the protobuf messages the build generated).</summary>
    private static CSharpCompilation Compile()
    {
        string core = Path.Combine(RepoRoot(), "src", "KForensics.Core");
        CSharpParseOptions parse = Parse;
        string sep = Path.DirectorySeparatorChar.ToString();
        IEnumerable<string> sources = Directory.EnumerateFiles(core, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains(sep + "obj" + sep, StringComparison.Ordinal) && !p.Contains(sep + "bin" + sep, StringComparison.Ordinal));

        // The CRIU messages are generated at build time into obj/: take the newest copy of each.
        IEnumerable<string> generated = Directory.Exists(Path.Combine(core, "obj"))
            ? Directory.EnumerateFiles(Path.Combine(core, "obj"), "*.cs", SearchOption.AllDirectories)
                .Where(p => File.ReadLines(p).Take(3).Any(l => l.Contains("Generated by the protocol buffer compiler", StringComparison.Ordinal)))
                .GroupBy(Path.GetFileName)
                .Select(g => g.OrderByDescending(File.GetLastWriteTimeUtc).First())
            : [];

        const string implicitUsings = """
            global using System;
            global using System.Collections.Generic;
            global using System.IO;
            global using System.Linq;
            global using System.Net.Http;
            global using System.Threading;
            global using System.Threading.Tasks;
            """;

        List<SyntaxTree> trees = [CSharpSyntaxTree.ParseText(implicitUsings, parse, "GlobalUsings.cs")];
        trees.AddRange(sources.Concat(generated).Select(p => CSharpSyntaxTree.ParseText(File.ReadAllText(p), parse, p)));

        // The platform, and the packages Core uses (copied beside the tests), never Core's own build.
        var references = new Dictionary<string, MetadataReference>(StringComparer.OrdinalIgnoreCase);
        string platform = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        foreach (string path in platform.Split(Path.PathSeparator).Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll")))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            if (!name.StartsWith("KForensics", StringComparison.Ordinal) && !references.ContainsKey(name))
            {
                references[name] = MetadataReference.CreateFromFile(path);
            }
        }

        return CSharpCompilation.Create("KForensics.Core", trees, references.Values,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
    }

    internal static string RepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KForensics.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("the repository (KForensics.slnx) is not above " + AppContext.BaseDirectory);
    }
}
