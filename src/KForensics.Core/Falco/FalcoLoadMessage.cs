namespace KForensics.Core.Falco;

/// <summary>Falco's codes for what loading a rules file found wrong (errors) or doubtful (warnings).</summary>
public static class FalcoLoadCodes
{
    public const string YamlParse = "LOAD_ERR_YAML_PARSE";
    public const string YamlValidate = "LOAD_ERR_YAML_VALIDATE";
    public const string Validate = "LOAD_ERR_VALIDATE";
    public const string CompileCondition = "LOAD_ERR_COMPILE_CONDITION";
    public const string CompileOutput = "LOAD_ERR_COMPILE_OUTPUT";
    public const string UnusedMacro = "LOAD_UNUSED_MACRO";
    public const string UnusedList = "LOAD_UNUSED_LIST";
    public const string UnknownFilter = "LOAD_UNKNOWN_FILTER";
    public const string UnknownSource = "LOAD_UNKNOWN_SOURCE";
    public const string UnknownItem = "LOAD_UNKNOWN_ITEM";
    public const string UnknownKey = "LOAD_UNKNOWN_KEY";
    public const string NoEventType = "LOAD_NO_EVTTYPE";
    public const string Deprecated = "LOAD_DEPRECATED_ITEM";
}

/// <summary>One error or warning of a rules load: Falco's code, the item, where it stands and Falco's message.</summary>
public sealed class FalcoLoadMessage
{
    internal FalcoLoadMessage(bool isError, string code, string itemKind, string? itemName, string? file, int line, int column, string message)
    {
        IsError = isError;
        Code = code;
        ItemKind = itemKind;
        ItemName = itemName;
        File = file;
        Line = line;
        Column = column;
        Message = message;
    }

    /// <summary>True for an error (the item is not loaded), false for a warning.</summary>
    public bool IsError { get; }

    /// <summary>Falco's code, e.g. <c>LOAD_ERR_VALIDATE</c> or <c>LOAD_UNUSED_MACRO</c>.</summary>
    public string Code { get; }

    /// <summary>rule, macro, list, exception, required_engine_version, rules content, ...</summary>
    public string ItemKind { get; }

    public string? ItemName { get; }

    public string? File { get; }

    /// <summary>1-based line of the item (0 when the message is about the whole load).</summary>
    public int Line { get; }

    public int Column { get; }

    public string Message { get; }

    public override string ToString()
    {
        string where = File is null ? string.Empty : Line > 0 ? $"{File}:{Line}:{Column}: " : $"{File}: ";
        string item = ItemName is null ? ItemKind : $"{ItemKind} '{ItemName}'";
        return $"{where}{Code}: {item}: {Message}";
    }
}
