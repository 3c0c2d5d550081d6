using KForensics.Core.Filtering;
using KForensics.Core.Scap.Fields;
using KForensics.Core.Scap.Format;
using YamlDotNet.RepresentationModel;

namespace KForensics.Core.Falco;

public static partial class FalcoRuleLoader
{
    /// <summary>A field no catalogue knows, met while expanding a condition (rules with skip-if-unknown-filter drop on it).</summary>
    private sealed class UnknownFieldFailure(string field) : Exception(field)
    {
        public string Field { get; } = field;
    }

    private sealed partial class LoadState
    {
        private List<ListDefinition> _orderedLists = [];

        public FalcoRuleSet Compile(List<string> files)
        {
            _orderedLists = _lists.Values.OrderBy(l => l.Order).ToList();
            foreach (ListDefinition list in _orderedLists)
            {
                var resolved = new List<string>();
                foreach (string entry in list.Items)
                {
                    if (_lists.TryGetValue(entry, out ListDefinition? inner) && inner.Order < list.Order)
                    {
                        inner.Used = true;
                        resolved.AddRange(inner.Resolved);
                    }
                    else
                    {
                        resolved.Add(entry);
                    }
                }

                list.Resolved = resolved;
            }

            List<MacroDefinition> macros = _macros.Values.OrderBy(m => m.Order).ToList();
            foreach (MacroDefinition macro in macros)
            {
                try
                {
                    macro.Tree = FilterParser.Parse(SubstituteLists(macro.Condition), allowMacros: true);
                }
                catch (FilterSyntaxException ex)
                {
                    macro.Failure = ex;
                    if (ex.UnknownField is null)
                    {
                        Error(FalcoLoadCodes.CompileCondition, macro.Item, macro.Name, ex.Message);
                    }
                }
            }

            foreach (MacroDefinition macro in macros.Where(m => m.Tree is not null))
            {
                try
                {
                    ExpandMacro(macro);
                }
                catch (LoadFailure failure)
                {
                    Error(failure.Code, macro.Item, macro.Name, failure.Message);
                }
                catch (UnknownFieldFailure)
                {
                    // Reported against the rules that use the macro, as Falco does.
                }
            }

            var rules = new List<FalcoRule>();
            foreach (RuleDefinition rule in _rules.Values.OrderBy(r => r.Order))
            {
                if (CompileRule(rule) is { } compiled)
                {
                    rules.Add(compiled);
                }
            }

            foreach (MacroDefinition macro in macros.Where(m => !m.Used))
            {
                Warn(FalcoLoadCodes.UnusedMacro, macro.Item, macro.Name, "Macro not referred to by any other rule/macro");
            }

            foreach (ListDefinition list in _orderedLists.Where(l => !l.Used))
            {
                Warn(FalcoLoadCodes.UnusedList, list.Item, list.Name, "List not referred to by any other rule/macro");
            }

            var lists = _orderedLists.Select(l => new FalcoList(l.Name, l.Resolved, l.Item.File, l.Item.Line, l.Used)).ToArray();
            var macroObjects = macros.Select(m => new FalcoMacro(m.Name, m.Condition,
                m.Expanded is null ? null : FalcoConditionText.Write(m.Expanded), m.Item.File, m.Item.Line, m.Used)).ToArray();
            return new FalcoRuleSet(files, rules, lists, macroObjects, Messages, _required?.Text);
        }

        private string SubstituteLists(string condition)
        {
            foreach (ListDefinition list in _orderedLists)
            {
                condition = FalcoConditionText.SubstituteList(condition, list.Name, list.Resolved, out bool used);
                list.Used |= used;
            }

            return condition;
        }

        private FilterNode ExpandMacro(MacroDefinition macro)
        {
            if (macro.Expanded is { } done)
            {
                return done;
            }

            if (macro.Failure is { } failure)
            {
                throw failure.UnknownField is { } field
                    ? new UnknownFieldFailure(field)
                    : new LoadFailure(FalcoLoadCodes.CompileCondition, $"Macro '{macro.Name}' does not compile: {failure.Reason}");
            }

            if (macro.Expanding)
            {
                throw new LoadFailure(FalcoLoadCodes.Validate, $"reference loop in macro '{macro.Name}'");
            }

            macro.Expanding = true;
            try
            {
                macro.Expanded = Expand(macro.Tree!, macro.Visibility);
            }
            finally
            {
                macro.Expanding = false;
            }

            return macro.Expanded;
        }

        /// <summary>
        /// Substitutes macros: a macro sees the macros placed before its visibility (defined before it, or
        /// before its latest redefinition or append); a rule sees every macro of the load
        /// (<paramref name="before"/> is <see cref="int.MaxValue"/>), as Falco compiles rules after all macros.
        /// </summary>
        private FilterNode Expand(FilterNode node, int before) => node switch
        {
            AndNode and => new AndNode(Expand(and.Left, before), Expand(and.Right, before), and.Position),
            OrNode or => new OrNode(Expand(or.Left, before), Expand(or.Right, before), or.Position),
            NotNode not => new NotNode(Expand(not.Operand, before), not.Position),
            MacroNode macro => ExpandReference(macro, before),
            _ => node,
        };

        private FilterNode ExpandReference(MacroNode reference, int before)
        {
            if (!_macros.TryGetValue(reference.Name, out MacroDefinition? macro) || macro.Order >= before)
            {
                throw new LoadFailure(FalcoLoadCodes.Validate, $"Undefined macro '{reference.Name}' used in filter.");
            }

            macro.Used = true;
            return ExpandMacro(macro);
        }

        private FalcoRule? CompileRule(RuleDefinition rule)
        {
            if (!string.Equals(rule.Source, FalcoRuleSet.SyscallSource, StringComparison.Ordinal))
            {
                Warn(FalcoLoadCodes.UnknownSource, rule.Item, rule.Name, $"Unknown source {rule.Source}, skipping");
                return null;
            }

            string condition;
            FilterNode expanded;
            string expandedText;
            try
            {
                condition = WithExceptions(rule);
                FilterNode tree = FilterParser.Parse(SubstituteLists(condition), allowMacros: true);
                expanded = Expand(tree, int.MaxValue);
                expandedText = FalcoConditionText.Write(expanded);

                // What the evaluator will compile: every field bound and every value checked now.
                FilterCompiler.Compile(expandedText, ScapFieldBinder.Instance);
                FalcoOutputFormat.Parse(FalcoOutputFormat.WithContainerInfo(rule.Output));
            }
            catch (FilterSyntaxException ex) when (ex.UnknownField is not null)
            {
                return Unknown(rule, ex.UnknownField, ex.Message);
            }
            catch (UnknownFieldFailure ex)
            {
                return Unknown(rule, ex.Field, $"filter_check called with nonexistent field {ex.Field}");
            }
            catch (FalcoOutputException ex)
            {
                if (rule.SkipIfUnknownFilter)
                {
                    Warn(FalcoLoadCodes.UnknownFilter, rule.Item, rule.Name, $"Rule output uses an unknown field: {ex.Message}; the rule is skipped");
                    return null;
                }

                Error(FalcoLoadCodes.CompileOutput, rule.Item, rule.Name, ex.Message);
                return null;
            }
            catch (FilterSyntaxException ex)
            {
                // A field the catalogue knows but a capture cannot answer is unknown to this engine.
                if (rule.SkipIfUnknownFilter && ex.Reason.Contains("cannot be computed", StringComparison.Ordinal))
                {
                    Warn(FalcoLoadCodes.UnknownFilter, rule.Item, rule.Name, $"{ex.Reason} The rule is skipped.");
                    return null;
                }

                Error(FalcoLoadCodes.CompileCondition, rule.Item, rule.Name, ex.Message);
                return null;
            }
            catch (LoadFailure failure)
            {
                Error(failure.Code, rule.Item, rule.Name, failure.Message);
                return null;
            }

            HashSet<int>? current = FalcoEventTypes.Current(expanded);
            if (rule.WarnEventTypes && (current is null || current.Count > 100))
            {
                Warn(FalcoLoadCodes.NoEventType, rule.Item, rule.Name,
                    "Rule matches too many evt.type values. This has a significant performance penalty.");
            }

            return new FalcoRule(rule.Name)
            {
                Description = rule.Description,
                Condition = condition,
                ExpandedCondition = expandedText,
                Output = rule.Output,
                Priority = rule.Priority,
                Tags = rule.Tags.ToArray(),
                Source = rule.Source,
                Enabled = rule.Enabled,
                EventTypes = current is null ? [] : FalcoEventTypes.Names(current.Where(c => c != EventIds.AsynceventE)),
                AllEventTypes = current is null,
                Exceptions = rule.Exceptions.Select(e => e.Name).ToArray(),
                SkipIfUnknownFilter = rule.SkipIfUnknownFilter,
                WarnEventTypes = rule.WarnEventTypes,
                File = rule.Item.File,
                Line = rule.Item.Line,
                Order = rule.Order,
                Expanded = expanded,
                CurrentCodes = current,
                Legacy031Codes = FalcoEventTypes.Legacy031(expanded),
            };
        }

        private FalcoRule? Unknown(RuleDefinition rule, string field, string message)
        {
            if (rule.SkipIfUnknownFilter)
            {
                Warn(FalcoLoadCodes.UnknownFilter, rule.Item, rule.Name, $"filter_check called with nonexistent field {field}; the rule is skipped");
            }
            else
            {
                Error(FalcoLoadCodes.CompileCondition, rule.Item, rule.Name,
                    message.StartsWith("filter_check", StringComparison.Ordinal) ? message : $"filter_check called with nonexistent field {field}");
            }

            return null;
        }

        /// <summary>
        /// The condition with the rule's exceptions: <c>(cond) and not ((f1 c1 v1 and f2 c2 v2) or ...)</c>;
        /// exceptions without values add nothing.
        /// </summary>
        private static string WithExceptions(RuleDefinition rule)
        {
            var terms = new List<string>();
            foreach (ExceptionDefinition ex in rule.Exceptions)
            {
                if (ex.SingleField)
                {
                    var values = new List<string>();
                    foreach (YamlNode v in ex.Values)
                    {
                        values.AddRange(FalcoRuleReader.Strings(v) ?? []);
                    }

                    if (values.Count == 0)
                    {
                        continue;
                    }

                    string comp = ex.Comps[0];
                    string joined = SetComparisons.Contains(comp)
                        ? "(" + string.Join(", ", values.Select(FalcoConditionText.Quote)) + ")"
                        : FalcoConditionText.Quote(values[0]);
                    terms.Add($"{ex.Fields[0]} {comp} {joined}");
                    continue;
                }

                foreach (YamlNode tuple in ex.Values)
                {
                    if (tuple is not YamlSequenceNode items || items.Children.Count != ex.Fields.Count)
                    {
                        throw new LoadFailure(FalcoLoadCodes.Validate,
                            $"Exception '{ex.Name}': fields and values lists must have equal length");
                    }

                    var parts = new List<string>();
                    for (int i = 0; i < ex.Fields.Count; i++)
                    {
                        parts.Add($"{ex.Fields[i]} {ex.Comps[i]} {ExceptionValue(items.Children[i], ex.Comps[i])}");
                    }

                    terms.Add("(" + string.Join(" and ", parts) + ")");
                }
            }

            return terms.Count == 0 ? rule.Condition : $"({rule.Condition}) and not ({string.Join(" or ", terms)})";
        }

        private static string ExceptionValue(YamlNode value, string comp)
        {
            if (value is YamlSequenceNode list)
            {
                return "(" + string.Join(", ", list.Children.Select(c => FalcoConditionText.Quote((c as YamlScalarNode)?.Value ?? string.Empty))) + ")";
            }

            string text = (value as YamlScalarNode)?.Value ?? string.Empty;
            if (SetComparisons.Contains(comp))
            {
                return text.StartsWith('(') ? text : "(" + FalcoConditionText.Quote(text) + ")";
            }

            return FalcoConditionText.Quote(text);
        }
    }
}
