namespace KForensics.Core.Falco;

/// <summary>What <see cref="FalcoRuleLoader"/> made of one or more rules files: rules, lists, macros, errors and warnings.</summary>
public sealed class FalcoRuleSet
{
    /// <summary>The source of the rules that see capture events.</summary>
    public const string SyscallSource = "syscall";

    internal FalcoRuleSet(IReadOnlyList<string> files, IReadOnlyList<FalcoRule> rules, IReadOnlyList<FalcoList> lists,
        IReadOnlyList<FalcoMacro> macros, IReadOnlyList<FalcoLoadMessage> messages, string? requiredEngineVersion)
    {
        Files = files;
        Rules = rules;
        Lists = lists;
        Macros = macros;
        Errors = messages.Where(m => m.IsError).ToArray();
        Warnings = messages.Where(m => !m.IsError).ToArray();
        RequiredEngineVersion = requiredEngineVersion;
    }

    /// <summary>The files loaded, in load order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Rules that compiled, in Falco's order (position of the first definition).</summary>
    public IReadOnlyList<FalcoRule> Rules { get; }

    public IReadOnlyList<FalcoList> Lists { get; }

    public IReadOnlyList<FalcoMacro> Macros { get; }

    public IReadOnlyList<FalcoLoadMessage> Errors { get; }

    public IReadOnlyList<FalcoLoadMessage> Warnings { get; }

    /// <summary>The highest engine version the files require, as written.</summary>
    public string? RequiredEngineVersion { get; }

    public override string ToString()
        => $"{Rules.Count} rules, {Macros.Count} macros, {Lists.Count} lists, {Errors.Count} errors, {Warnings.Count} warnings";
}
