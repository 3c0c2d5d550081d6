using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace KForensics.Tests.Architecture;

/// <summary>
/// KForensics.Core speaks in the terms of its domain: no text it writes (a message, a progress line, a report
/// sentence) names a cmdlet or a parameter. What to type is the cmdlet layer's to say, once, where it maps each
/// typed failure to its error id.
/// </summary>
public sealed partial class CoreVocabularyTests
{
    // A parameter as a user types it (-Force, -Network), and a cmdlet name of this module's verbs.
    [GeneratedRegex(@"(?<![\w-])-[A-Z][a-z][A-Za-z]*\b")]
    private static partial Regex ParameterName();

    [GeneratedRegex(@"\b(Get|New|Start|Stop|Export|Import|Remove|Restore|Search|Send|Protect|Unprotect|Compare)-[A-Z][A-Za-z]+")]
    private static partial Regex CmdletName();

    [Fact]
    public void Core_texts_name_no_cmdlet_and_no_parameter()
    {
        string core = Path.Combine(LayeringTests.RepoRoot(), "src", "KForensics.Core");
        string sep = Path.DirectorySeparatorChar.ToString();
        var found = new List<string>();
        foreach (string path in Directory.EnumerateFiles(core, "*.cs", SearchOption.AllDirectories)
                     .Where(p => !p.Contains(sep + "obj" + sep, StringComparison.Ordinal) && !p.Contains(sep + "bin" + sep, StringComparison.Ordinal)))
        {
            foreach (var (token, name) in Named(CSharpSyntaxTree.ParseText(File.ReadAllText(path), path: path).GetRoot()))
            {
                int line = token.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                found.Add($"{Path.GetRelativePath(core, path)}:{line}: {name} in \"{token.ValueText}\"");
            }
        }

        Assert.True(found.Count == 0, "Core names cmdlets or parameters:" + Environment.NewLine + string.Join(Environment.NewLine, found));
    }

    [Theory]
    [InlineData("\"'x' already exists; use -Force to replace it.\"", "-Force")]
    [InlineData("$\"Keeping {pod}; remove it with Remove-PodCapture.\"", "Remove-PodCapture")]
    [InlineData("\"\"\"\n    restore with -Network bridge\n    \"\"\"", "-Network")]
    [InlineData("\"the ContainerCheckpoint feature gate: --feature-gates=ContainerCheckpoint=true, UTF-8, x-Large\"", null)]
    public void The_check_sees_parameters_and_cmdlets_in_every_kind_of_string(string literal, string? named)
    {
        var names = Named(CSharpSyntaxTree.ParseText("class C { string S = " + literal + "; }").GetRoot()).Select(n => n.Name).ToList();
        Assert.Equal(named is null ? [] : [named], names);
    }

    // Every piece of text in the tree (plain, verbatim, interpolated and raw strings) with the names it holds.
    private static IEnumerable<(SyntaxToken Token, string Name)> Named(SyntaxNode root)
        => root.DescendantTokens()
            .Where(t => t.IsKind(SyntaxKind.StringLiteralToken) || t.IsKind(SyntaxKind.InterpolatedStringTextToken)
                        || t.IsKind(SyntaxKind.SingleLineRawStringLiteralToken) || t.IsKind(SyntaxKind.MultiLineRawStringLiteralToken))
            .SelectMany(t => ParameterName().Matches(t.ValueText).Concat(CmdletName().Matches(t.ValueText)).Select(m => (t, m.Value)));
}
