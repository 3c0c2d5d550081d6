using KForensics.Core.Falco;
using Xunit;

namespace KForensics.Tests.Falco;

/// <summary>
/// Loading rules files with Falco's semantics (the reference's sections 2.2 to 2.4), each case a small
/// rules file; expected conditions written out by hand from the reference's rules.
/// </summary>
public sealed class FalcoLoaderTests
{
    internal static FalcoRuleSet Load(string yaml) => FalcoRuleLoader.LoadContent([("rules.yaml", yaml)]);

    internal static string Rule(string name, string condition, string priority = "WARNING", string output = "out %proc.name",
        string extra = "")
        => $"""
            - rule: {name}
              desc: d
              condition: {condition}
              output: {output}
              priority: {priority}

            """ + (extra.Length == 0 || extra.EndsWith('\n') ? extra : extra + "\n");

    private static FalcoLoadMessage Single(IReadOnlyList<FalcoLoadMessage> messages, string code)
    {
        var matching = messages.Where(m => m.Code == code).ToList();
        Assert.True(matching.Count == 1, $"expected one {code}, got: {string.Join(" | ", messages)}");
        return matching[0];
    }

    private static FalcoRule Only(FalcoRuleSet set)
    {
        Assert.True(set.Errors.Count == 0, string.Join(" | ", set.Errors));
        return Assert.Single(set.Rules);
    }

    // ---- YAML ----

    [Fact]
    public void Yaml_syntax_error_is_a_parse_error_with_its_line()
    {
        FalcoRuleSet set = Load("- list: a\n  items: [x]\n- macro: m\n  condition: a: b: c\n");
        FalcoLoadMessage m = Single(set.Errors, FalcoLoadCodes.YamlParse);
        Assert.Equal(4, m.Line);
        Assert.Empty(set.Rules);
    }

    [Theory]
    [InlineData("just text", "Rules content is not yaml")]
    [InlineData("a: 1\nb: 2\n", "Rules content is not yaml array of objects")]
    public void Content_that_is_not_a_sequence_is_rejected(string yaml, string message)
    {
        FalcoLoadMessage m = Single(Load(yaml).Errors, FalcoLoadCodes.YamlValidate);
        Assert.Equal(message, m.Message);
    }

    [Theory]
    [InlineData("- list: l\n", "list", "l", "Item has no mapping for key 'items'")]
    [InlineData("- macro: m\n", "macro", "m", "Item has no mapping for key 'condition'")]
    [InlineData("- rule: r\n  desc: d\n  condition: evt.type=open\n  priority: INFO\n", "rule", "r", "Item has no mapping for key 'output'")]
    [InlineData("- rule: r\n  desc: d\n  output: o\n  priority: INFO\n", "rule", "r", "Item has no mapping for key 'condition'")]
    public void Missing_mandatory_keys_are_validation_errors(string yaml, string kind, string name, string message)
    {
        FalcoLoadMessage m = Single(Load(yaml).Errors, FalcoLoadCodes.YamlValidate);
        Assert.Equal((kind, name, message, 1), (m.ItemKind, m.ItemName, m.Message, m.Line));
    }

    [Fact]
    public void An_empty_rule_name_is_rejected()
    {
        FalcoLoadMessage m = Single(Load("- rule:\n  desc: d\n").Errors, FalcoLoadCodes.YamlValidate);
        Assert.Equal("Mapping for key 'rule' is empty", m.Message);
    }

    [Fact]
    public void Several_documents_in_one_file_all_load()
    {
        FalcoRuleSet set = Load(Rule("one", "evt.type=open") + "---\n" + Rule("two", "evt.type=close"));
        Assert.Empty(set.Errors);
        Assert.Equal(["one", "two"], set.Rules.Select(r => r.Name));
    }

    [Fact]
    public void Yaml_cpp_leniencies_bare_equals_in_a_flow_sequence_and_a_scalar_starting_with_bang()
    {
        string yaml = """
            - rule: lenient
              desc: != after evt.type, the rest
              condition: evt.type=open
              output: o
              priority: INFO
              exceptions:
                - name: ex
                  fields: [proc.name, fd.name]
                  comps: [=, in]
                  values:
                    - [cat, [/etc/passwd, /etc/shadow]]
            """;
        FalcoRule rule = Only(Load(yaml));
        Assert.Equal("after evt.type, the rest", rule.Description);
        Assert.Equal("evt.type = open and not (proc.name = cat and fd.name in (/etc/passwd, /etc/shadow))", rule.ExpandedCondition);
    }

    // ---- lists ----

    [Fact]
    public void List_inside_in_brackets_is_substituted()
    {
        FalcoRuleSet set = Load("- list: shell_binaries\n  items: [bash, sh]\n" + Rule("r", "evt.type=execve and proc.name in (shell_binaries)"));
        Assert.Equal("evt.type = execve and proc.name in (bash, sh)", Only(set).ExpandedCondition);
        Assert.Equal("evt.type=execve and proc.name in (shell_binaries)", set.Rules[0].Condition);
    }

    [Fact]
    public void List_after_equals_and_blank_is_substituted_list_sub_whitespace()
    {
        FalcoRuleSet set = Load("- list: cat_binaries\n  items: [cat]\n" + Rule("r", "evt.type=open and proc.name= cat_binaries"));
        Assert.Equal("evt.type = open and proc.name = cat", Only(set).ExpandedCondition);
        Assert.True(set.Lists.Single().Used);
    }

    [Fact]
    public void List_name_inside_a_longer_word_is_not_substituted_list_substring()
    {
        FalcoRuleSet set = Load("- list: my_list\n  items: [/tmp/x]\n" + Rule("r", "evt.type=open and fd.name=file_my_list"));
        Assert.Equal("evt.type = open and fd.name = file_my_list", Only(set).ExpandedCondition);
        FalcoLoadMessage m = Single(set.Warnings, FalcoLoadCodes.UnusedList);
        Assert.Equal(("list", "my_list", 1), (m.ItemKind, m.ItemName, m.Line));
    }

    [Fact]
    public void Items_with_blanks_are_quoted_unless_already_quoted()
    {
        string yaml = "- list: apps\n  items: [\"my app\", '\"their app\"', bash]\n" + Rule("r", "evt.type=execve and proc.name in (apps)");
        FalcoRuleSet set = Load(yaml);
        Assert.Equal(["my app", "\"their app\"", "bash"], set.Lists[0].Items);
        Assert.Equal("evt.type = execve and proc.name in (\"my app\", \"their app\", bash)", Only(set).ExpandedCondition);
    }

    [Theory]
    [InlineData("proc.name in (empty, bash)", "proc.name in (bash)")]
    [InlineData("proc.name in (bash, empty)", "proc.name in (bash)")]
    [InlineData("proc.name in (bash, empty, sh)", "proc.name in (bash, sh)")]
    [InlineData("proc.name in (empty)", "proc.name in ()")]
    public void An_empty_list_takes_one_comma_with_it_and_in_brackets_compile(string condition, string expanded)
    {
        FalcoRuleSet set = Load("- list: empty\n  items: []\n" + Rule("r", "evt.type=execve and " + condition));
        Assert.Equal("evt.type = execve and " + expanded, Only(set).ExpandedCondition);
    }

    [Fact]
    public void Lists_in_lists_are_expanded_only_when_defined_earlier()
    {
        string yaml = """
            - list: inner
              items: [a, b]
            - list: outer
              items: [inner, c]
            - list: early
              items: [late, d]
            - list: late
              items: [e]
            """ + "\n" + Rule("r", "evt.type=open and proc.name in (outer)");
        FalcoRuleSet set = Load(yaml);
        Assert.Equal(["a", "b", "c"], set.Lists.Single(l => l.Name == "outer").Items);
        Assert.Equal(["late", "d"], set.Lists.Single(l => l.Name == "early").Items);
        Assert.Equal("evt.type = open and proc.name in (a, b, c)", Only(set).ExpandedCondition);
        Assert.Equal(["early", "late"], set.Warnings.Where(w => w.Code == FalcoLoadCodes.UnusedList).Select(w => w.ItemName).Order());
    }

    [Fact]
    public void Conditions_may_use_lists_defined_later()
    {
        FalcoRuleSet set = Load(Rule("r", "evt.type=open and proc.name in (later_list)") + "- list: later_list\n  items: [cat]\n");
        Assert.Equal("evt.type = open and proc.name in (cat)", Only(set).ExpandedCondition);
    }

    [Fact]
    public void List_append_adds_items_and_redefinition_keeps_the_position()
    {
        string yaml = """
            - list: first
              items: [a]
            - list: second
              items: [b]
            - list: first
              items: [c]
            - list: first
              items: [d]
              append: true
            """ + "\n" + Rule("r", "evt.type=open and proc.name in (first, second)");
        FalcoRuleSet set = Load(yaml);
        Assert.Equal(["first", "second"], set.Lists.Select(l => l.Name));
        Assert.Equal(["c", "d"], set.Lists[0].Items);
        Assert.Equal("evt.type = open and proc.name in (c, d, b)", Only(set).ExpandedCondition);
    }

    // ---- macros ----

    [Fact]
    public void Macro_named_like_an_event_type_is_expanded_only_as_a_boolean_term()
    {
        string yaml = """
            - macro: rename
              condition: evt.arg.newpath startswith /tmp
            - macro: mkdir
              condition: evt.arg.path startswith /tmp
            """ + "\n" + Rule("r", "evt.type in (rename, mkdir) and (rename or mkdir)");
        FalcoRuleSet set = Load(yaml);
        Assert.Equal("evt.type in (rename, mkdir) and (evt.arg.newpath startswith /tmp or evt.arg.path startswith /tmp)",
            Only(set).ExpandedCondition);
        Assert.DoesNotContain(set.Warnings, w => w.Code == FalcoLoadCodes.UnusedMacro);
    }

    [Fact]
    public void Macros_nest_and_and_or_keep_their_precedence()
    {
        string yaml = """
            - macro: open_read
              condition: evt.type=open and evt.is_open_read=true
            - macro: sensitive
              condition: fd.name startswith /etc or fd.name startswith /root
            """ + "\n" + Rule("r", "open_read and sensitive and not proc.name=cat or proc.name=vi and evt.type=open");
        Assert.Equal("(evt.type = open and evt.is_open_read = true and (fd.name startswith /etc or fd.name startswith /root) and not proc.name = cat)"
            + " or (proc.name = vi and evt.type = open)", Only(Load(yaml)).ExpandedCondition);
    }

    [Fact]
    public void A_macro_sees_only_earlier_macros()
    {
        string yaml = """
            - macro: uses_later
              condition: later_macro and proc.name=cat
            - macro: later_macro
              condition: evt.type=open
            """ + "\n" + Rule("r", "uses_later");
        FalcoRuleSet set = Load(yaml);
        FalcoLoadMessage m = set.Errors.First(e => e.ItemName == "uses_later");
        Assert.Equal((FalcoLoadCodes.Validate, "macro", "Undefined macro 'later_macro' used in filter.", 1), (m.Code, m.ItemKind, m.Message, m.Line));
        Assert.Empty(set.Rules);
    }

    [Fact]
    public void A_redefined_or_appended_macro_sees_the_macros_defined_before_its_latest_definition()
    {
        // Falco's visibility: the redefinition keeps m1's position (0) but sees what was defined before it (m2).
        string yaml = """
            - macro: m1
              condition: proc.name=a
            - macro: m2
              condition: evt.type=open
            - macro: m1
              condition: m2 and proc.name=b
            - macro: m3
              condition: proc.name=c
            - macro: m1
              condition: or m3
              append: true
            """ + "\n" + Rule("r", "m1");
        FalcoRuleSet set = Load(yaml);
        Assert.Equal(["m1", "m2", "m3"], set.Macros.Select(m => m.Name));
        Assert.Equal("(evt.type = open and proc.name = b) or proc.name = c", Only(set).ExpandedCondition);
    }

    [Fact]
    public void A_reference_loop_through_a_redefinition_is_an_error()
    {
        // m2 sees m1 (defined before it); the redefined m1 sees m2: m1 -> m2 -> m1.
        string yaml = """
            - macro: m1
              condition: proc.name=a
            - macro: m2
              condition: m1 and evt.type=open
            - macro: m1
              condition: m2 or proc.name=b
            """ + "\n" + Rule("r", "m1");
        FalcoRuleSet set = Load(yaml);
        FalcoLoadMessage loop = set.Errors.First(e => e.Message.StartsWith("reference loop in macro", StringComparison.Ordinal));
        Assert.Equal((FalcoLoadCodes.Validate, "macro"), (loop.Code, loop.ItemKind));
        Assert.Empty(set.Rules);
    }

    [Fact]
    public void A_rule_sees_every_macro_also_those_defined_after_it()
    {
        FalcoRuleSet set = Load(Rule("r", "is_open and proc.name=cat") + "- macro: is_open\n  condition: evt.type=open\n");
        Assert.Equal("evt.type = open and proc.name = cat", Only(set).ExpandedCondition);
    }

    [Fact]
    public void An_undefined_macro_in_a_rule_is_a_validation_error_for_the_rule()
    {
        FalcoRuleSet set = Load("- list: x\n  items: [a]\n" + Rule("bad", "evt.type=open and foo"));
        FalcoLoadMessage m = Single(set.Errors, FalcoLoadCodes.Validate);
        Assert.Equal(("rule", "bad", "Undefined macro 'foo' used in filter.", 3), (m.ItemKind, m.ItemName, m.Message, m.Line));
        Assert.Empty(set.Rules);
    }

    [Fact]
    public void Unused_macros_warn()
    {
        FalcoRuleSet set = Load("- macro: lonely\n  condition: proc.name=cat\n" + Rule("r", "evt.type=open"));
        FalcoLoadMessage m = Single(set.Warnings, FalcoLoadCodes.UnusedMacro);
        Assert.Equal(("macro", "lonely", 1), (m.ItemKind, m.ItemName, m.Line));
    }

    [Fact]
    public void Macro_append_adds_a_blank_and_the_text_and_redefinition_keeps_the_position()
    {
        string yaml = """
            - macro: m1
              condition: proc.name=a
            - macro: m2
              condition: proc.name=b
            - macro: m1
              condition: proc.name=c
            - macro: m1
              condition: or proc.name=d
              append: true
            """ + "\n" + Rule("r", "evt.type=open and (m1 or m2)");
        FalcoRuleSet set = Load(yaml);
        Assert.Equal(["m1", "m2"], set.Macros.Select(m => m.Name));
        Assert.Equal("proc.name=c or proc.name=d", set.Macros[0].Condition);
        Assert.Equal("evt.type = open and (proc.name = c or proc.name = d or proc.name = b)", Only(set).ExpandedCondition);
    }

    // ---- rules: redefinition, append, override, enabled ----

    [Fact]
    public void Rule_redefinition_replaces_it_at_its_first_position()
    {
        FalcoRuleSet set = Load(Rule("r1", "evt.type=open") + Rule("r2", "evt.type=close") + Rule("r1", "evt.type=read", priority: "ERROR"));
        Assert.Empty(set.Errors);
        Assert.Equal(["r1", "r2"], set.Rules.Select(r => r.Name));
        Assert.Equal(("evt.type = read", FalcoPriority.Error), (set.Rules[0].ExpandedCondition, set.Rules[0].Priority));
    }

    [Fact]
    public void Rule_append_adds_to_condition_and_unions_tags()
    {
        string yaml = Rule("r", "evt.type=open and proc.name=cat", extra: "  tags: [file, a]") + """
            - rule: r
              condition: or (evt.type=close and proc.name=vi)
              tags: [a, b]
              append: true
            """;
        FalcoRule rule = Only(Load(yaml));
        Assert.Equal("evt.type=open and proc.name=cat or (evt.type=close and proc.name=vi)", rule.Condition);
        Assert.Equal("(evt.type = open and proc.name = cat) or (evt.type = close and proc.name = vi)", rule.ExpandedCondition);
        Assert.Equal(["file", "a", "b"], rule.Tags);
    }

    [Fact]
    public void Rule_append_to_exceptions_appends_values_or_adds_the_exception()
    {
        string yaml = Rule("r", "evt.type=open", extra: """
              exceptions:
                - name: by_proc
                  fields: [proc.name]
                  values: [[cat]]
            """) + """
            - rule: r
              exceptions:
                - name: by_proc
                  values: [[vi]]
                - name: by_file
                  fields: fd.name
                  comps: in
                  values: [/tmp/a]
              append: true
            """;
        FalcoRule rule = Only(Load(yaml));
        Assert.Equal("(evt.type=open) and not ((proc.name = cat) or (proc.name = vi) or fd.name in (/tmp/a))", rule.Condition);
        Assert.Equal(["by_proc", "by_file"], rule.Exceptions);
    }

    [Theory]
    [InlineData("list", "- list: nothing\n  items: [a]\n  append: true\n", "List has 'append' key but no list by that name already exists")]
    [InlineData("macro", "- macro: nothing\n  condition: proc.name=a\n  append: true\n", "Macro has 'append' key but no macro by that name already exists")]
    [InlineData("rule", "- rule: nothing\n  condition: and proc.name=a\n  append: true\n", "Rule has 'append' key but no rule by that name already exists")]
    public void Append_without_an_earlier_item_is_an_error(string kind, string yaml, string message)
    {
        FalcoLoadMessage m = Single(Load(yaml).Errors, FalcoLoadCodes.Validate);
        Assert.Equal((kind, "nothing", message), (m.ItemKind, m.ItemName, m.Message));
    }

    [Fact]
    public void Override_appends_and_replaces_keys()
    {
        string yaml = Rule("r", "evt.type=open", extra: "  tags: [a]") + """
            - rule: r
              condition: and proc.name=cat
              output: and more
              priority: ERROR
              tags: [b]
              override:
                condition: append
                output: append
                priority: replace
                tags: replace
            """;
        FalcoRule rule = Only(Load(yaml));
        Assert.Equal("evt.type = open and proc.name = cat", rule.ExpandedCondition);
        Assert.Equal("out %proc.name and more", rule.Output);
        Assert.Equal(FalcoPriority.Error, rule.Priority);
        Assert.Equal(["b"], rule.Tags);
    }

    [Fact]
    public void Override_replaces_list_items_and_macro_conditions()
    {
        string yaml = """
            - list: l
              items: [a]
            - list: l
              items: [b]
              override:
                items: replace
            - macro: m
              condition: proc.name in (l)
            - macro: m
              condition: or proc.name=c
              override:
                condition: append
            """ + "\n" + Rule("r", "evt.type=open and m");
        Assert.Equal("evt.type = open and (proc.name in (b) or proc.name = c)", Only(Load(yaml)).ExpandedCondition);
    }

    [Theory]
    [InlineData("  condition: and proc.name=cat\n  append: true\n  override:\n    condition: append\n", "Keys 'override' and 'append: true' cannot be used together")]
    [InlineData("  priority: ERROR\n  override:\n    priority: append\n", "Key 'priority' cannot be overridden with 'append'")]
    [InlineData("  override:\n    condition: append\n", "An 'override' entry for 'condition' is specified but 'condition' is missing")]
    [InlineData("  condition: and proc.name=cat\n  output: x\n  override:\n    condition: append\n", "Unexpected key 'output': no corresponding entry under 'override' is defined.")]
    public void Override_errors(string body, string message)
    {
        FalcoRuleSet set = Load(Rule("r", "evt.type=open") + "- rule: r\n" + body);
        FalcoLoadMessage m = Single(set.Errors, FalcoLoadCodes.Validate);
        Assert.StartsWith(message, m.Message);
        Assert.Equal(("rule", "r", 6), (m.ItemKind, m.ItemName, m.Line));

        // The first definition stays as it was.
        Assert.Equal("evt.type = open", Assert.Single(set.Rules).ExpandedCondition);
    }

    [Fact]
    public void Override_of_a_missing_rule_is_an_error()
    {
        FalcoLoadMessage m = Single(Load("- rule: ghost\n  condition: and proc.name=a\n  override:\n    condition: append\n").Errors, FalcoLoadCodes.Validate);
        Assert.Equal("An 'override' entry was specified but no rule by that name already exists", m.Message);
    }

    [Fact]
    public void Enabled_only_items_switch_an_existing_rule()
    {
        FalcoRuleSet set = Load(Rule("r1", "evt.type=open") + Rule("r2", "evt.type=close", extra: "  enabled: false")
            + "- rule: r1\n  enabled: false\n- rule: r2\n  enabled: true\n");
        Assert.Empty(set.Errors);
        Assert.Equal([false, true], set.Rules.Select(r => r.Enabled));
    }

    [Fact]
    public void Enabled_only_item_for_a_missing_rule_is_an_error()
    {
        FalcoLoadMessage m = Single(Load("- rule: ghost\n  enabled: false\n").Errors, FalcoLoadCodes.Validate);
        Assert.Equal(("rule", "ghost", 1), (m.ItemKind, m.ItemName, m.Line));
        Assert.Contains("no rule by that name already exists", m.Message);
    }

    // ---- exceptions ----

    [Fact]
    public void Tuple_exceptions_become_and_not_of_or_ed_tuples()
    {
        FalcoRule rule = Only(Load(Rule("r", "evt.type=open", extra: """
              exceptions:
                - name: proc_file
                  fields: [proc.name, fd.name]
                  comps: [=, startswith]
                  values:
                    - [cat, /tmp]
                    - [ls, /etc]
            """)));
        Assert.Equal("(evt.type=open) and not ((proc.name = cat and fd.name startswith /tmp) or (proc.name = ls and fd.name startswith /etc))", rule.Condition);
        Assert.Equal("evt.type = open and not ((proc.name = cat and fd.name startswith /tmp) or (proc.name = ls and fd.name startswith /etc))", rule.ExpandedCondition);
    }

    [Fact]
    public void Comps_default_to_equals()
    {
        FalcoRule rule = Only(Load(Rule("r", "evt.type=open", extra: "  exceptions:\n    - name: e\n      fields: [proc.name, user.name]\n      values: [[cat, root]]\n")));
        Assert.Equal("evt.type = open and not (proc.name = cat and user.name = root)", rule.ExpandedCondition);
    }

    [Fact]
    public void Single_field_exception_is_one_set_check()
    {
        FalcoRule rule = Only(Load(Rule("r", "evt.type=open", extra: "  exceptions:\n    - name: e\n      fields: proc.name\n      comps: in\n      values: [cat, \"my app\"]\n")));
        Assert.Equal("(evt.type=open) and not (proc.name in (cat, \"my app\"))", rule.Condition);
        Assert.Equal("evt.type = open and not proc.name in (cat, \"my app\")", rule.ExpandedCondition);
    }

    [Fact]
    public void List_valued_items_and_list_names_in_brackets_are_sets()
    {
        string yaml = """
            - list: my_bins
              items: [cat, ls]
            - list: my_dirs
              items: [/etc, /root]
            """ + "\n" + Rule("r", "evt.type=open", extra: """
              exceptions:
                - name: e
                  fields: [proc.name, fd.name, fd.directory]
                  comps: [in, in, pmatch]
                  values:
                    - [(my_bins), [/a, /b], (my_dirs)]
            """);
        FalcoRuleSet set = Load(yaml);
        Assert.Equal("evt.type = open and not (proc.name in (cat, ls) and fd.name in (/a, /b) and fd.directory pmatch (/etc, /root))",
            Only(set).ExpandedCondition);
        Assert.All(set.Lists, l => Assert.True(l.Used));
    }

    [Fact]
    public void Exceptions_without_values_add_nothing()
    {
        FalcoRule rule = Only(Load(Rule("r", "evt.type=open", extra: "  exceptions:\n    - name: e\n      fields: [proc.name]\n    - name: f\n      fields: fd.name\n      comps: in\n")));
        Assert.Equal("evt.type=open", rule.Condition);
        Assert.Equal("evt.type = open", rule.ExpandedCondition);
        Assert.Equal(["e", "f"], rule.Exceptions);
    }

    [Theory]
    [InlineData("      fields: [proc.name, fd.name]\n      comps: [=]\n      values: [[cat, /x]]\n", "Fields and comps lists must have equal length")]
    [InlineData("      fields: proc.name\n      comps: [in]\n      values: [cat]\n", "Fields and comps must both be strings")]
    [InlineData("      fields: proc.name\n      comps: =\n      values: [cat]\n", "When fields is a single value, comps must be one of (in, pmatch, intersects)")]
    [InlineData("      values: [[cat]]\n", "Rule exception item must have fields property with a list of fields")]
    [InlineData("      fields: [proc.name, fd.name]\n      values: [[cat]]\n", "fields and values lists must have equal length")]
    [InlineData("      fields: [proc.name]\n      comps: [no-comp]\n      values: [[cat]]\n", "'no-comp' is not a supported comparison operator")]
    [InlineData("      fields: [not.exist]\n      values: [[cat]]\n", "'not.exist' is not a supported filter field")]
    public void Malformed_exceptions_are_validation_errors(string body, string message)
    {
        FalcoRuleSet set = Load(Rule("r", "evt.type=open", extra: "  exceptions:\n    - name: e\n" + body));
        FalcoLoadMessage m = Single(set.Errors, FalcoLoadCodes.Validate);
        Assert.Contains(message, m.Message);
        Assert.Empty(set.Rules);
    }

    [Theory]
    [InlineData("      fields: [proc.name]\n      values: [[vi]]\n", "Can not append exception fields to existing exception, only values")]
    [InlineData("      comps: [=]\n      values: [[vi]]\n", "Can not append exception comps to existing exception, only values")]
    public void Appending_fields_or_comps_to_an_exception_is_an_error(string body, string message)
    {
        string yaml = Rule("r", "evt.type=open", extra: "  exceptions:\n    - name: e\n      fields: [proc.name]\n      values: [[cat]]\n")
            + "- rule: r\n  append: true\n  exceptions:\n    - name: e\n" + body;
        FalcoRuleSet set = Load(yaml);
        Assert.Equal(message, Single(set.Errors, FalcoLoadCodes.Validate).Message);
        Assert.Equal("evt.type = open and not proc.name = cat", Assert.Single(set.Rules).ExpandedCondition);
    }

    [Fact]
    public void A_new_exception_added_by_append_needs_values()
    {
        string yaml = Rule("r", "evt.type=open") + "- rule: r\n  append: true\n  exceptions:\n    - name: e\n      fields: [proc.name]\n";
        Assert.Equal("Rule exception must have values property with a list of values", Single(Load(yaml).Errors, FalcoLoadCodes.Validate).Message);
    }

    // ---- priorities, engine version, skip-if-unknown-filter, sources, outputs ----

    [Theory]
    [InlineData("WARNING", FalcoPriority.Warning)]
    [InlineData("Warning", FalcoPriority.Warning)]
    [InlineData("warning", FalcoPriority.Warning)]
    [InlineData("INFO", FalcoPriority.Informational)]
    [InlineData("info", FalcoPriority.Informational)]
    [InlineData("Informational", FalcoPriority.Informational)]
    [InlineData("eMeRgEnCy", FalcoPriority.Emergency)]
    [InlineData("DEBUG", FalcoPriority.Debug)]
    [InlineData("notice", FalcoPriority.Notice)]
    [InlineData("Critical", FalcoPriority.Critical)]
    public void Priorities_are_case_insensitive(string text, FalcoPriority priority)
        => Assert.Equal(priority, Only(Load(Rule("r", "evt.type=open", priority: text))).Priority);

    [Fact]
    public void An_unknown_priority_is_an_error()
    {
        FalcoRuleSet set = Load(Rule("r", "evt.type=open", priority: "loud"));
        Assert.Equal("r", Single(set.Errors, FalcoLoadCodes.Validate).ItemName);
        Assert.Empty(set.Rules);
    }

    [Fact]
    public void Required_engine_version_too_high_is_an_error()
    {
        FalcoRuleSet set = Load("- required_engine_version: 9999999\n" + Rule("r", "evt.type=open"));
        FalcoLoadMessage m = Single(set.Errors, FalcoLoadCodes.Validate);
        Assert.StartsWith("Rules require engine version 9999999, but engine version is ", m.Message);
        Assert.Equal(("required_engine_version", 1), (m.ItemKind, m.Line));
    }

    [Theory]
    [InlineData("9")]
    [InlineData("17")]
    [InlineData("0.57.0")]
    public void Stock_engine_versions_are_accepted(string version)
    {
        FalcoRuleSet set = Load($"- required_engine_version: {version}\n" + Rule("r", "evt.type=open"));
        Assert.Empty(set.Errors);
        Assert.Equal(version, set.RequiredEngineVersion);
    }

    [Fact]
    public void Unknown_field_is_a_compile_error_without_skip_if_unknown_filter()
    {
        FalcoRuleSet set = Load(Rule("r", "evt.type=open and proc.nobody=cat"));
        FalcoLoadMessage m = Single(set.Errors, FalcoLoadCodes.CompileCondition);
        Assert.Equal("filter_check called with nonexistent field proc.nobody", m.Message);
        Assert.Equal(("rule", "r", 1), (m.ItemKind, m.ItemName, m.Line));
    }

    [Fact]
    public void Unknown_field_with_skip_if_unknown_filter_drops_the_rule_with_a_warning()
    {
        FalcoRuleSet set = Load(Rule("r", "evt.type=open and proc.nobody=cat", extra: "  skip-if-unknown-filter: true") + Rule("kept", "evt.type=open"));
        Assert.Empty(set.Errors);
        Assert.Equal("r", Single(set.Warnings, FalcoLoadCodes.UnknownFilter).ItemName);
        Assert.Equal(["kept"], set.Rules.Select(r => r.Name));
    }

    [Theory]
    [InlineData("evt.arg.path startswith /tmp")]
    [InlineData("evt.arg[0] = 3")]
    [InlineData("proc.aname[1] = bash")]
    [InlineData("proc.apid = 1")]
    [InlineData("proc.apid[2] = 1")]
    public void Fields_with_arguments_are_not_unknown(string check)
    {
        FalcoRuleSet set = Load(Rule("r", "evt.type=open and " + check, extra: "  skip-if-unknown-filter: true"));
        Assert.Empty(set.Warnings);
        Assert.Equal("evt.type = open and " + check, Only(set).ExpandedCondition);
    }

    [Fact]
    public void Unknown_source_skips_the_rule_with_a_warning()
    {
        FalcoRuleSet set = Load(Rule("trail", "ct.name=x", extra: "  source: aws_cloudtrail") + Rule("r", "evt.type=open"));
        Assert.Empty(set.Errors);
        FalcoLoadMessage m = Single(set.Warnings, FalcoLoadCodes.UnknownSource);
        Assert.Equal(("rule", "trail", "Unknown source aws_cloudtrail, skipping"), (m.ItemKind, m.ItemName, m.Message));
        Assert.Equal(["r"], set.Rules.Select(r => r.Name));
    }

    [Fact]
    public void Unknown_output_token_is_an_output_compile_error()
    {
        FalcoRuleSet set = Load(Rule("r", "evt.type=open", output: "x=%not_a_real_field"));
        FalcoLoadMessage m = Single(set.Errors, FalcoLoadCodes.CompileOutput);
        Assert.Equal(("rule", "r", "invalid formatting token not_a_real_field"), (m.ItemKind, m.ItemName, m.Message));
        Assert.Empty(set.Rules);
    }

    [Fact]
    public void Output_tokens_with_arguments_and_container_info_load()
    {
        FalcoRule rule = Only(Load(Rule("r", "evt.type=open", output: "\"%proc.aname[2] %evt.arg.flags %container.info\"")));
        Assert.Equal("%proc.aname[2] %evt.arg.flags %container.info", rule.Output);
    }

    [Fact]
    public void A_rule_without_evt_type_warns_no_evttype_unless_told_not_to()
    {
        FalcoRuleSet set = Load(Rule("wide", "proc.name=cat") + Rule("quiet", "proc.name=vi", extra: "  warn_evttypes: false") + Rule("narrow", "evt.type=open"));
        Assert.Empty(set.Errors);
        Assert.Equal("wide", Single(set.Warnings, FalcoLoadCodes.NoEventType).ItemName);
    }

    [Fact]
    public void A_rule_with_an_unparsable_condition_is_a_compile_error()
    {
        FalcoRuleSet set = Load(Rule("r", "evt.type=open and (proc.name=cat"));
        Assert.Equal("r", Single(set.Errors, FalcoLoadCodes.CompileCondition).ItemName);
    }

    [Fact]
    public void Falco_grammar_beyond_sysdig_compiles()
    {
        FalcoRuleSet set = Load(Rule("r", "evt.type=execve and proc.name=foo or evt.type=open and fd.name bcontains 2f746d70 and fd.name intersects (/a, /b)"));
        Assert.Equal("(evt.type = execve and proc.name = foo) or (evt.type = open and fd.name bcontains 2f746d70 and fd.name intersects (/a, /b))",
            Only(set).ExpandedCondition);
    }
}
