using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace KForensics.Core.Falco;

public static partial class FalcoRuleLoader
{
    /// <summary>One load: the definitions collected from every file so far, then compiled together.</summary>
    private sealed partial class LoadState
    {
        private static readonly string[] RuleAppendKeys = ["condition", "output", "desc", "tags", "exceptions"];
        private static readonly string[] RuleReplaceKeys = ["condition", "output", "desc", "tags", "exceptions", "priority", "enabled", "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration"];

        private readonly Dictionary<string, ListDefinition> _lists = new(StringComparer.Ordinal);
        private readonly Dictionary<string, MacroDefinition> _macros = new(StringComparer.Ordinal);
        private readonly Dictionary<string, RuleDefinition> _rules = new(StringComparer.Ordinal);
        private int _order;
        private (Version Version, string Text)? _required;

        public List<FalcoLoadMessage> Messages { get; } = [];

        private void Error(string code, FalcoItem item, string? name, string message)
            => Messages.Add(new FalcoLoadMessage(true, code, item.Kind, name, item.File, item.Line, item.Column, message));

        private void Warn(string code, FalcoItem item, string? name, string message)
            => Messages.Add(new FalcoLoadMessage(false, code, item.Kind, name, item.File, item.Line, item.Column, message));

        public void Collect(FalcoItem item)
        {
            switch (item.Kind)
            {
                case "required_engine_version": CollectEngineVersion(item); break;
                case "required_plugin_versions": break;
                case "list": CollectList(item); break;
                case "macro": CollectMacro(item); break;
                default: CollectRule(item); break;
            }
        }

        private void CollectEngineVersion(FalcoItem item)
        {
            string? text = item.Text("required_engine_version");
            Version? version = text is null ? null
                : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? new Version(0, n, 0)
                : Version.TryParse(text, out Version? v) ? v : null;
            if (version is null)
            {
                Error(FalcoLoadCodes.Validate, item, null, $"Unable to parse engine version '{text}' as a semver string. Expected \"x.y.z\" semver format.");
                return;
            }

            if (version > EngineVersion)
            {
                Error(FalcoLoadCodes.Validate, item, null, $"Rules require engine version {text}, but engine version is {EngineVersion}");
                return;
            }

            if (_required is null || version > _required.Value.Version)
            {
                _required = (version, text!);
            }
        }

        /// <summary>Whether an item asks to add to (append) or to replace the named keys of an earlier item; null when it redefines.</summary>
        private Dictionary<string, string>? Overrides(FalcoItem item, string name, string[] appendKeys, string[] replaceKeys, out bool failed)
        {
            failed = false;
            bool append = FalcoRuleReader.Bool(item.Node("append")) == true;
            YamlNode? overrideNode = item.Node("override");
            if (overrideNode is null)
            {
                return append ? appendKeys.Where(item.Has).ToDictionary(k => k, _ => "append", StringComparer.Ordinal) : null;
            }

            if (item.Has("append"))
            {
                Error(FalcoLoadCodes.Validate, item, name, "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.");
                failed = true;
                return null;
            }

            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (overrideNode is not YamlMappingNode map)
            {
                Error(FalcoLoadCodes.YamlValidate, item, name, "Value of 'override' must be a map");
                failed = true;
                return null;
            }

            foreach (var (k, v) in map.Children)
            {
                string key = (k as YamlScalarNode)?.Value ?? string.Empty;
                string how = (v as YamlScalarNode)?.Value ?? string.Empty;
                bool allowed = how == "append" ? appendKeys.Contains(key) : how == "replace" && replaceKeys.Contains(key);
                if (!allowed)
                {
                    Error(FalcoLoadCodes.Validate, item, name, $"Key '{key}' cannot be overridden with '{how}'");
                    failed = true;
                    return null;
                }

                if (!item.Has(key))
                {
                    Error(FalcoLoadCodes.Validate, item, name, $"An 'override' entry for '{key}' is specified but '{key}' is missing");
                    failed = true;
                    return null;
                }

                result[key] = how;
            }

            string itemKey = item.Kind;
            foreach (string key in item.Keys)
            {
                if (key != itemKey && key != "override" && !result.ContainsKey(key))
                {
                    Error(FalcoLoadCodes.Validate, item, name, $"Unexpected key '{key}': no corresponding entry under 'override' is defined.");
                    failed = true;
                    return null;
                }
            }

            return result;
        }

        private static string NoSuchItem(FalcoItem item, string kind, string lower) => item.Has("override")
            ? $"An 'override' entry was specified but no {lower} by that name already exists"
            : $"{kind} has 'append' key but no {lower} by that name already exists";

        private string? ItemName(FalcoItem item)
        {
            string? name = item.Text(item.Kind);
            if (name is null)
            {
                Error(FalcoLoadCodes.YamlValidate, item, null, $"Mapping for key '{item.Kind}' is empty");
            }

            return name;
        }

        private void CollectList(FalcoItem item)
        {
            if (ItemName(item) is not { } name)
            {
                return;
            }

            var overrides = Overrides(item, name, ["items"], ["items"], out bool failed);
            if (failed)
            {
                return;
            }

            if (!item.Has("items"))
            {
                Error(FalcoLoadCodes.YamlValidate, item, name, "Item has no mapping for key 'items'");
                return;
            }

            List<string>? items = item.Node("items") is YamlScalarNode { Value: null or "" } ? [] : FalcoRuleReader.Strings(item.Node("items"));
            if (items is null)
            {
                Error(FalcoLoadCodes.YamlValidate, item, name, "Value of 'items' must be a sequence of strings");
                return;
            }

            if (overrides is not null && overrides.Count > 0)
            {
                if (!_lists.TryGetValue(name, out ListDefinition? existing))
                {
                    Error(FalcoLoadCodes.Validate, item, name, NoSuchItem(item, "List", "list"));
                    return;
                }

                if (overrides["items"] == "append")
                {
                    existing.Items.AddRange(items);
                }
                else
                {
                    existing.Items = items;
                }

                return;
            }

            if (_lists.TryGetValue(name, out ListDefinition? previous))
            {
                previous.Items = items;
                return;
            }

            _lists[name] = new ListDefinition(name, item, _order++) { Items = items };
        }

        private void CollectMacro(FalcoItem item)
        {
            if (ItemName(item) is not { } name)
            {
                return;
            }

            var overrides = Overrides(item, name, ["condition"], ["condition"], out bool failed);
            if (failed)
            {
                return;
            }

            string? condition = item.Text("condition");
            if (condition is null)
            {
                Error(FalcoLoadCodes.YamlValidate, item, name, "Item has no mapping for key 'condition'");
                return;
            }

            if (overrides is not null && overrides.Count > 0)
            {
                if (!_macros.TryGetValue(name, out MacroDefinition? existing))
                {
                    Error(FalcoLoadCodes.Validate, item, name, NoSuchItem(item, "Macro", "macro"));
                    return;
                }

                existing.Condition = overrides["condition"] == "append" ? existing.Condition + " " + condition : condition;
                return;
            }

            if (_macros.TryGetValue(name, out MacroDefinition? previous))
            {
                previous.Condition = condition;
                return;
            }

            _macros[name] = new MacroDefinition(name, item, _order++) { Condition = condition };
        }

        private void CollectRule(FalcoItem item)
        {
            if (ItemName(item) is not { } name)
            {
                return;
            }

            var overrides = Overrides(item, name, RuleAppendKeys, RuleReplaceKeys, out bool failed);
            if (failed)
            {
                return;
            }

            _rules.TryGetValue(name, out RuleDefinition? existing);
            if (overrides is not null)
            {
                if (existing is null)
                {
                    Error(FalcoLoadCodes.Validate, item, name, NoSuchItem(item, "Rule", "rule"));
                    return;
                }

                if (overrides.Count == 0)
                {
                    Error(FalcoLoadCodes.Validate, item, name, "Appended rule must have exceptions or condition property");
                    return;
                }

                ApplyChanges(existing, item, overrides);
                return;
            }

            // An item that only names a rule and sets enabled switches an existing rule on or off.
            bool onlyEnabled = item.Keys.All(k => k is "rule" or "enabled") && item.Has("enabled");
            if (onlyEnabled)
            {
                if (existing is null)
                {
                    Error(FalcoLoadCodes.Validate, item, name, "Rule has 'enabled' key but no rule by that name already exists");
                    return;
                }

                existing.Enabled = FalcoRuleReader.Bool(item.Node("enabled")) ?? existing.Enabled;
                return;
            }

            foreach (string key in new[] { "condition", "output", "desc", "priority" })
            {
                if (!item.Has(key))
                {
                    Error(FalcoLoadCodes.YamlValidate, item, name, $"Item has no mapping for key '{key}'");
                    return;
                }
            }

            if (!FalcoPriorities.TryParse(item.Text("priority"), out FalcoPriority priority))
            {
                Error(FalcoLoadCodes.Validate, item, name, $"Invalid priority level: {item.Text("priority")}");
                return;
            }

            var rule = existing ?? new RuleDefinition(name, item, _order++);
            rule.Description = item.Text("desc") ?? string.Empty;
            rule.Condition = item.Text("condition") ?? string.Empty;
            rule.Output = item.Text("output") ?? string.Empty;
            rule.Priority = priority;
            rule.Tags = FalcoRuleReader.Strings(item.Node("tags")) ?? [];
            rule.Source = item.Text("source") ?? FalcoRuleSet.SyscallSource;
            rule.Enabled = FalcoRuleReader.Bool(item.Node("enabled")) ?? true;
            rule.WarnEventTypes = FalcoRuleReader.Bool(item.Node("warn_evttypes")) ?? true;
            rule.SkipIfUnknownFilter = FalcoRuleReader.Bool(item.Node("skip-if-unknown-filter")) ?? false;
            rule.Exceptions.Clear();
            if (!ReadExceptions(rule, item, append: false))
            {
                if (existing is null)
                {
                    return;
                }
            }

            _rules[name] = rule;
        }

        private void ApplyChanges(RuleDefinition rule, FalcoItem item, Dictionary<string, string> changes)
        {
            foreach (var (key, how) in changes)
            {
                bool append = how == "append";
                switch (key)
                {
                    case "condition": rule.Condition = append ? rule.Condition + " " + item.Text(key) : item.Text(key) ?? string.Empty; break;
                    case "output": rule.Output = append ? rule.Output + " " + item.Text(key) : item.Text(key) ?? string.Empty; break;
                    case "desc": rule.Description = append ? rule.Description + " " + item.Text(key) : item.Text(key); break;
                    case "tags":
                        List<string> tags = FalcoRuleReader.Strings(item.Node(key)) ?? [];
                        rule.Tags = append ? rule.Tags.Union(tags, StringComparer.Ordinal).ToList() : tags;
                        break;
                    case "exceptions":
                        if (!append)
                        {
                            rule.Exceptions.Clear();
                        }

                        ReadExceptions(rule, item, append);
                        break;
                    case "priority":
                        if (FalcoPriorities.TryParse(item.Text(key), out FalcoPriority p))
                        {
                            rule.Priority = p;
                        }
                        else
                        {
                            Error(FalcoLoadCodes.Validate, item, rule.Name, $"Invalid priority level: {item.Text(key)}");
                        }

                        break;
                    case "enabled": rule.Enabled = FalcoRuleReader.Bool(item.Node(key)) ?? rule.Enabled; break;
                    case "warn_evttypes": rule.WarnEventTypes = FalcoRuleReader.Bool(item.Node(key)) ?? rule.WarnEventTypes; break;
                    case "skip-if-unknown-filter": rule.SkipIfUnknownFilter = FalcoRuleReader.Bool(item.Node(key)) ?? rule.SkipIfUnknownFilter; break;
                }
            }
        }

        /// <summary>Reads the item's exceptions into the rule; false (after an error) when one is malformed.</summary>
        private bool ReadExceptions(RuleDefinition rule, FalcoItem item, bool append)
        {
            if (item.Node("exceptions") is not { } node)
            {
                return true;
            }

            if (node is not YamlSequenceNode sequence)
            {
                Error(FalcoLoadCodes.YamlValidate, item, rule.Name, "Rule exceptions must be a sequence");
                return false;
            }

            foreach (YamlNode entry in sequence.Children)
            {
                if (entry is not YamlMappingNode map)
                {
                    Error(FalcoLoadCodes.YamlValidate, item, rule.Name, "Rule exception must be a mapping");
                    return false;
                }

                var ex = new FalcoItem("exception", map, item.File, (int)map.Start.Line, (int)map.Start.Column);
                string? name = ex.Text("name");
                if (name is null)
                {
                    Error(FalcoLoadCodes.YamlValidate, ex, rule.Name, "Item has no mapping for key 'name'");
                    return false;
                }

                ExceptionDefinition? target = append ? rule.Exceptions.FirstOrDefault(e => e.Name == name) : null;
                if (target is null)
                {
                    if (!ex.Has("fields"))
                    {
                        Error(FalcoLoadCodes.YamlValidate, ex, name, "Item has no mapping for key 'fields'");
                        return false;
                    }

                    target = new ExceptionDefinition { Name = name };
                    if (!ReadExceptionShape(target, ex))
                    {
                        return false;
                    }

                    rule.Exceptions.Add(target);
                }
                else if (ex.Has("fields") || ex.Has("comps"))
                {
                    Error(FalcoLoadCodes.Validate, ex, name, "Can not append exception fields or comps to an existing exception, only values");
                    return false;
                }

                if (ex.Node("values") is YamlSequenceNode values)
                {
                    target.Values.AddRange(values.Children);
                }
                else if (ex.Node("values") is YamlScalarNode { Value: { Length: > 0 } })
                {
                    Error(FalcoLoadCodes.YamlValidate, ex, name, "Rule exception values must be a sequence");
                    return false;
                }
            }

            return true;
        }

        private bool ReadExceptionShape(ExceptionDefinition target, FalcoItem ex)
        {
            YamlNode fields = ex.Node("fields")!;
            YamlNode? comps = ex.Node("comps");
            if (fields is YamlScalarNode { Value: { } single })
            {
                target.SingleField = true;
                target.Fields = [single];
                target.Comps = [comps is YamlScalarNode { Value: { } c } ? c : "in"];
                if (comps is YamlSequenceNode)
                {
                    Error(FalcoLoadCodes.Validate, ex, target.Name, "Rule exception item must have a single comparison operator when it has a single field");
                    return false;
                }
            }
            else
            {
                target.Fields = FalcoRuleReader.Strings(fields) ?? [];
                target.Comps = comps is null ? target.Fields.Select(_ => "=").ToList() : FalcoRuleReader.Strings(comps) ?? [];
                if (target.Fields.Count != target.Comps.Count)
                {
                    Error(FalcoLoadCodes.Validate, ex, target.Name, "Rule exception item must have fields and comps lists of the same length");
                    return false;
                }
            }

            foreach (string comp in target.Comps)
            {
                if (!Comparisons.Contains(comp))
                {
                    Error(FalcoLoadCodes.Validate, ex, target.Name, $"'{comp}' is not a supported comparison operator");
                    return false;
                }
            }

            foreach (string field in target.Fields)
            {
                if (!IsKnownField(field))
                {
                    Error(FalcoLoadCodes.Validate, ex, target.Name, $"'{field}' is not a supported filter field");
                    return false;
                }
            }

            return true;
        }

        private static bool IsKnownField(string field)
        {
            try
            {
                Filtering.FilterParser.Parse(field + " exists");
                return true;
            }
            catch (Filtering.FilterSyntaxException)
            {
                return false;
            }
        }
    }
}
