using KForensics.Core.Falco;
using Xunit;
using Xunit.Abstractions;

namespace KForensics.Tests.Falco;

/// <summary>Falco's own rulesets load as Falco loads them.</summary>
public sealed class StockRulesetTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData("falco-0.31.1")]
    [InlineData("falco-rules-1.0.1")]
    public void Stock_ruleset_loads_without_errors(string folder)
    {
        Skip.If(FalcoRulesets.Directory is null, "../shared/falco is absent");
        FalcoRuleSet set = FalcoRuleLoader.Load([Path.Combine(FalcoRulesets.Directory!, folder, "falco_rules.yaml")]);
        foreach (FalcoLoadMessage m in set.Errors.Concat(set.Warnings))
        {
            output.WriteLine(m.ToString());
        }

        output.WriteLine(set.ToString());
        Assert.Empty(set.Errors);

        // Every rule the file defines is loaded, none dropped (no rule of these files has another source).
        string[] defined = File.ReadAllLines(Path.Combine(FalcoRulesets.Directory!, folder, "falco_rules.yaml"))
            .Where(l => l.StartsWith("- rule: ", StringComparison.Ordinal))
            .Select(l => l["- rule: ".Length..].Trim())
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(defined.Order(StringComparer.Ordinal), set.Rules.Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public void Falco_0_31_1_ruleset_loads_without_warnings_as_falco_0_31_1_loads_it()
    {
        Skip.If(FalcoRulesets.Directory is null, "../shared/falco is absent");
        FalcoRuleSet set = FalcoRuleLoader.Load([FalcoRulesets.Legacy031!]);
        foreach (FalcoLoadMessage m in set.Warnings)
        {
            output.WriteLine(m.ToString());
        }

        Assert.Empty(set.Errors);
        Assert.Empty(set.Warnings);
        Assert.Equal("9", set.RequiredEngineVersion);
    }
}
