using System.Management.Automation;
using KForensics.Core.Falco;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>
/// Evaluates Falco rules over captures, offline, with Falco's semantics, and emits one FalcoAlert per
/// alert, in event order, as the capture is read.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ScapAlert", DefaultParameterSetName = PathSet)]
[OutputType(typeof(FalcoAlert))]
public sealed class GetScapAlertCommand : ScapInputCmdlet
{
    private FalcoEvaluator? _evaluator;

    // Boxed: a field of a Core value type would make the runtime load KForensics.Core while PowerShell
    // lists the module's types, before the module initializer has said where Core lives.
    private object? _minimumPriority;

    /// <summary>The rules: the output of Import-FalcoRule, or rules files and directories.</summary>
    [Parameter(Mandatory = true)]
    [FalcoRuleSetTransformation]
    [ValidateNotNull]
    public FalcoRuleSet Rule { get; set; } = null!;

    /// <summary>Rules less severe than this do not run (Falco's priority setting).</summary>
    [Parameter]
    public FalcoPriority MinimumPriority
    {
        get => _minimumPriority is FalcoPriority p ? p : FalcoPriority.Debug;
        set => _minimumPriority = value;
    }

    /// <summary>Rules whose names match one of these wildcards do not run.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] DisabledRule { get; set; } = [];

    /// <summary>Rules with one of these tags do not run.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] DisabledTag { get; set; } = [];

    /// <summary>Only rules with one of these tags run (untagged rules do not); -DisabledRule and -DisabledTag then apply to those.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] EnabledTag { get; set; } = [];

    /// <summary>Every rule that matches an event alerts, not only the first (Falco's rule_matching: all).</summary>
    [Parameter]
    public SwitchParameter AllMatches { get; set; }

    /// <summary>Whose behaviour to reproduce: current Falco (default), or 0.31's event-type index and its dropping of events.</summary>
    [Parameter]
    [ValidateSet("0.31", "Current")]
    public string FalcoVersion { get; set; } = "Current";

    /// <summary>With -FalcoVersion 0.31: drop no event (Falco's -A). Current Falco drops none from a capture anyway.</summary>
    [Parameter]
    public SwitchParameter AllEvents { get; set; }

    protected override async Task BeginProcessingAsync()
    {
        await base.BeginProcessingAsync().ConfigureAwait(true);
        FalcoRuleErrors.ReportIfLoadedHere(this, Rule);
        _evaluator = new FalcoEvaluator(Rule, new FalcoAlertOptions
        {
            MinimumPriority = MinimumPriority,
            DisabledRules = DisabledRule,
            DisabledTags = DisabledTag,
            EnabledTags = EnabledTag,
            AllMatches = AllMatches.IsPresent,
            Legacy031 = FalcoVersion == "0.31",
            AllEvents = AllEvents.IsPresent,
            Filter = Filter,
        });
        WriteVerbose($"{_evaluator.ActiveRules.Count} of {Rule.Rules.Count} rules run.");
        if (_evaluator.ActiveRules.Count == 0)
        {
            WriteWarning("No rule runs: every rule is disabled, below -MinimumPriority, or excluded by -EnabledTag, -DisabledTag or -DisabledRule.");
        }
    }

    private protected override void ReadCapture(string file, Func<ScapFilterContext, bool>? filter, CaptureOutput output)
    {
        int alerts = 0;
        var progress = new ReadProgress(output.Progress, "Get-ScapAlert", file, () => $"{alerts} alerts from {_evaluator!.ActiveRules.Count} rules");
        try
        {
            foreach (FalcoAlert alert in _evaluator!.Evaluate(file, CancellationToken, progress))
            {
                alerts++;
                output.Object(alert);
            }
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (ScapFormatException ex)
        {
            output.Error(ScapErrors.ToErrorRecord(ex, "The alerts before the damaged block were written; the rest of the file cannot be read."));
        }
        finally
        {
            progress.Complete();
        }

        output.Verbose($"{file}: {alerts} alerts.");
    }
}
