using System.Management.Automation;
using KForensics.Core.Filtering;
using KForensics.Infrastructure;

namespace KForensics.Commands;

/// <summary>Lists the fields of the filter language, like <c>sysdig -l</c>.</summary>
[Cmdlet(VerbsCommon.Get, "ScapField")]
[OutputType(typeof(ScapField))]
public sealed class GetScapFieldCommand : PSCmdlet
{
    /// <summary>Field names to list; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = ["*"];

    /// <summary>Only fields of these classes.</summary>
    [Parameter]
    public FieldClass[]? Class { get; set; }

    protected override void ProcessRecord()
    {
        foreach (string name in Name)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            bool any = false;
            foreach (FieldDefinition field in FieldCatalog.All)
            {
                if (pattern.IsMatch(field.Name) && (Class is null || Class.Contains(field.Class)))
                {
                    any = true;
                    WriteObject(new ScapField(field));
                }
            }

            if (!any && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                IReadOnlyList<string> close = FieldCatalog.Suggest(name);
                string hint = close.Count > 0 ? " Did you mean " + string.Join(", ", close) + "?" : string.Empty;
                WriteError(new ErrorRecord(new ItemNotFoundException($"There is no field '{name}'.{hint}"),
                    ErrorIds.FieldNotFound, ErrorCategory.ObjectNotFound, name));
            }
        }
    }
}
