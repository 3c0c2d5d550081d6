using System.Buffers;
using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using KForensics.Core.Filtering;
using KForensics.Core.Scap.Fields;

namespace KForensics.Infrastructure;

/// <summary>Completes field names inside a -Filter value on Tab: the word under the cursor is matched against the field list.</summary>
public sealed class FilterCompleter : IArgumentCompleter
{
    private static readonly SearchValues<char> Separators = SearchValues.Create(" ()!=<>,");

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        // PowerShell hands a quoted word over with both quotes, also while the closing one is not typed yet.
        bool quoted = wordToComplete.Length > 0 && wordToComplete[0] is '\'' or '"';
        char quote = quoted ? wordToComplete[0] : '\'';
        string text = quoted ? wordToComplete[1..] : wordToComplete;
        if (quoted && text.Length > 0 && text[^1] == quote)
        {
            text = text[..^1];
        }

        int start = text.AsSpan().LastIndexOfAny(Separators) + 1;
        string prefix = text[..start];
        string partial = text[start..];
        foreach (FieldDefinition field in FieldCatalog.All)
        {
            // Only what works: fields that need a live system are listed by Get-ScapField, not offered here.
            if (field.Name.StartsWith(partial, StringComparison.OrdinalIgnoreCase) && ScapFieldBinder.IsComputable(field))
            {
                string completion = quote + (prefix + field.Name).Replace(quote.ToString(), new string(quote, 2)) + quote;
                yield return new CompletionResult(completion, field.Name, CompletionResultType.ParameterValue,
                    field.Type + ": " + field.Description);
            }
        }
    }
}
