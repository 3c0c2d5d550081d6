namespace KForensics.Tests.Falco;

/// <summary>Falco's stock rulesets in ../shared/falco (test inputs, never copied into the repository).</summary>
internal static class FalcoRulesets
{
    public static string? Directory { get; } = Find();

    public static string? Legacy031 => Path("falco-0.31.1");

    public static string? Current => Path("falco-rules-1.0.1");

    private static string? Path(string folder)
        => Directory is null ? null : System.IO.Path.Combine(Directory, folder, "falco_rules.yaml");

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "KForensics.psd1")))
            {
                string falco = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "falco"));
                return System.IO.Directory.Exists(falco) ? falco : null;
            }
        }

        return null;
    }
}
