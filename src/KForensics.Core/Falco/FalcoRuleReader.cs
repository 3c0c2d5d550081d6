using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KForensics.Core.Falco;

/// <summary>One item of a rules file: its mapping, its kind and where it stands.</summary>
internal sealed record FalcoItem(string Kind, YamlMappingNode Map, string File, int Line, int Column)
{
    internal YamlNode? Node(string key)
    {
        foreach (var (k, v) in Map.Children)
        {
            if (k is YamlScalarNode s && s.Value == key)
            {
                return v;
            }
        }

        return null;
    }

    internal bool Has(string key) => Node(key) is not null;

    internal IEnumerable<string> Keys => Map.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? string.Empty);

    /// <summary>The scalar under <paramref name="key"/>; null when absent or empty.</summary>
    internal string? Text(string key) => Node(key) is YamlScalarNode { Value: { Length: > 0 } v } ? v : null;
}

/// <summary>
/// Reads rules files into items the way Falco's yaml-cpp reader sees them: several documents per
/// file, tags ignored (so <c>comps: [=, in]</c> and a description starting with <c>!=</c> read as Falco reads them).
/// </summary>
internal static class FalcoRuleReader
{
    internal static readonly string[] ItemKinds = ["required_engine_version", "required_plugin_versions", "list", "macro", "rule"];

    internal static List<FalcoItem> Read(string file, string content, List<FalcoLoadMessage> messages)
    {
        var items = new List<FalcoItem>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(content));
        }
        catch (YamlException ex)
        {
            int line = (int)ex.Start.Line;
            int column = (int)ex.Start.Column;
            messages.Add(new FalcoLoadMessage(true, FalcoLoadCodes.YamlParse, "rules content", null, file, line, column,
                $"YAML error at line {line}, column {column}: {ex.Message}"));
            return items;
        }

        foreach (YamlDocument document in stream.Documents)
        {
            YamlNode root = document.RootNode;
            if (root is YamlScalarNode { Value: null or "" } || root is YamlScalarNode { Tag.IsEmpty: false, Value: "" })
            {
                continue;
            }

            if (root is not YamlSequenceNode sequence)
            {
                messages.Add(new FalcoLoadMessage(true, FalcoLoadCodes.YamlValidate, "rules content", null, file,
                    (int)root.Start.Line, (int)root.Start.Column,
                    root is YamlScalarNode ? "Rules content is not yaml" : "Rules content is not yaml array of objects"));
                continue;
            }

            foreach (YamlNode node in sequence.Children)
            {
                if (node is not YamlMappingNode map)
                {
                    messages.Add(new FalcoLoadMessage(true, FalcoLoadCodes.YamlValidate, "rules content", null, file,
                        (int)node.Start.Line, (int)node.Start.Column, "Unexpected element type. Each element should be a yaml associative array."));
                    continue;
                }

                string? kind = null;
                foreach (string k in ItemKinds)
                {
                    if (map.Children.Keys.OfType<YamlScalarNode>().Any(key => key.Value == k))
                    {
                        kind = k;
                        break;
                    }
                }

                if (kind is null)
                {
                    messages.Add(new FalcoLoadMessage(false, FalcoLoadCodes.UnknownItem, "rules content", null, file,
                        (int)map.Start.Line, (int)map.Start.Column, "Unknown top level item"));
                    continue;
                }

                items.Add(new FalcoItem(kind, map, file, (int)map.Start.Line, (int)map.Start.Column));
            }
        }

        return items;
    }

    /// <summary>The strings of a sequence (a scalar counts as a one-item sequence); null when it is neither.</summary>
    internal static List<string>? Strings(YamlNode? node) => node switch
    {
        YamlSequenceNode seq when seq.Children.All(c => c is YamlScalarNode) => seq.Children.Cast<YamlScalarNode>().Select(s => s.Value ?? string.Empty).ToList(),
        YamlScalarNode { Value: { } v } => [v],
        _ => null,
    };

    internal static bool? Bool(YamlNode? node) => node is YamlScalarNode { Value: { } v }
        ? v.ToLowerInvariant() switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => null,
        }
        : null;
}
